import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.mjs'
// Plugins are self-contained bundles (kit, zod inlined): a plugin installed later into a plugins
// directory must load without resolving anything from the CLI's node_modules.
export default defineConfig(packageBuild({ noExternal: [/.*/] }))
