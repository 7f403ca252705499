import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.mjs'
// `fast` is the light entry (core only) for the CLI's oclif-free paths: no-op check, error normaliser.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/fast.ts'], splitting: true }))
