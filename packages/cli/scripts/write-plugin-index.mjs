// Writes dist/bundled-plugins.json, the index of the bundled feature plugins (see
// core/src/bundled-index.ts), so `features list` stats each plugin's package.json instead of
// reading it. Run after tsup, from the plugins as they are now: an entry whose file later changes
// no longer matches its stamp and that plugin is simply read again.
import { fileURLToPath } from 'node:url'
import { writeBundledIndex } from '@runner-features/core'

const { indexed, skipped } = await writeBundledIndex(fileURLToPath(new URL('../package.json', import.meta.url)))
console.error(`dist/bundled-plugins.json: ${indexed.length} plugins${skipped.length ? `; read at run time instead: ${skipped.join(', ')}` : ''}`)
