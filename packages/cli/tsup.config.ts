import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.mjs'
// Commands are separate entries (oclif loads them by path); shared code lands in chunks.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/fast.ts', 'src/commands/**/*.ts'], splitting: true }))
