// Writes oclif.manifest.json for a feature plugin (run from the plugin's directory after tsup).
// Feature plugins contribute no commands today, so the manifest is static; shipping it keeps
// oclif from importing plugin code at start-up (shared/reference/oclif-startup.md, fact 2).
import { readFileSync, writeFileSync } from 'node:fs'
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
writeFileSync('oclif.manifest.json', `${JSON.stringify({ commands: {}, version: pkg.version }, null, 2)}\n`)
