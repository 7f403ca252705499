// Bundled feature plugins are registered from the plugins/ folders while pnpm reads the CLI's
// manifest, so adding a plugin folder needs no hand edit: `pnpm install` writes the CLI's
// oclif.plugins and dependencies (scripts/register-plugins.cjs) and links the new plugin at once.
'use strict'
const { pluginFolders, registered, syncCliPackageJson } = require('./scripts/register-plugins.cjs')

module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name !== '@runner-features/cli') return pkg
      const plugins = pluginFolders()
      syncCliPackageJson(undefined, plugins)
      return registered(pkg, plugins)
    },
  },
}
