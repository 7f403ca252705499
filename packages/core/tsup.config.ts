import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.mjs'
// semver is bundled: as CJS it is ~40 files that cost ~18 ms to resolve and load on every
// `runner features list`; inlined into this one ESM file it costs a fraction (docs/benchmarks.md).
// The config/lockfile entry (zod, yaml) is separate so plugins bundling core never pull them in;
// testing/index is the test-only fake context the kit re-exports.
export default defineConfig(packageBuild({ entry: { index: 'src/index.ts', 'config-entry': 'src/config-entry.ts', 'testing/index': 'src/testing/index.ts' }, splitting: true, noExternal: ['semver'] }))
