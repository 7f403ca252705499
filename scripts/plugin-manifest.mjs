// Writes oclif.manifest.json for a feature plugin (run from the plugin's directory; after tsup for
// a plugin with code, alone for a declarative one). Feature plugins contribute no commands, so the
// manifest is static; shipping it keeps oclif from importing plugin code at start-up (without a
// manifest, oclif loads a plugin's modules to discover its commands).
import { readFileSync, writeFileSync } from 'node:fs'
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
writeFileSync('oclif.manifest.json', `${JSON.stringify({ commands: {}, version: pkg.version }, null, 2)}\n`)
