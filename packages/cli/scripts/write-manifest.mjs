// Writes oclif.manifest.json from the built commands — what `oclif manifest` does, without the
// heavy `oclif` dev CLI — so oclif never imports command files just to route or list them.
// Run after tsup.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Plugin } from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, isRoot: true })
await plugin.load()
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), `${JSON.stringify(plugin.manifest, null, 2)}\n`)
console.error(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`)
