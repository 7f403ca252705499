// Registration of bundled feature plugins, generated from the plugins/ folders (renovate's rule:
// the registry is derived, never hand-kept). The CLI's package.json gets, for every folder
// plugins/<dir> with a package.json, its package name in `oclif.plugins` and a `workspace:*`
// dependency; plugins whose folder is gone are dropped. Nothing else in the file changes.
//
// It runs inside `pnpm install` (.pnpmfile.cjs calls it while pnpm reads the CLI's manifest, so the
// new plugin is linked in that same install) and by hand: `node scripts/register-plugins.cjs`
// writes, `--check` only reports (exit 1 when the file is stale).
'use strict'
const { existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const ROOT = join(__dirname, '..')
const CLI_PACKAGE_JSON = join(ROOT, 'packages', 'cli', 'package.json')
/** oclif plugins the CLI keeps whatever the folders say (they are not feature plugins). */
const FIXED = ['@oclif/plugin-help', '@oclif/plugin-autocomplete']

/** Package names of plugins/<dir>/package.json, sorted. */
function pluginFolders(root = ROOT) {
  const dir = join(root, 'plugins')
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'package.json')))
    .map((d) => JSON.parse(readFileSync(join(dir, d.name, 'package.json'), 'utf8')).name)
    .sort()
}

/** The CLI manifest with registration derived from `plugins` (a copy; `cli` is not changed). */
function registered(cli, plugins) {
  const previous = new Set((cli.oclif?.plugins ?? []).filter((p) => !FIXED.includes(p)))
  const dependencies = { ...cli.dependencies }
  for (const name of previous) if (!plugins.includes(name)) delete dependencies[name]
  for (const name of plugins) dependencies[name] = 'workspace:*'
  const sorted = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return { ...cli, oclif: { ...cli.oclif, plugins: [...FIXED, ...plugins] }, dependencies: sorted }
}

/** Rewrites packages/cli/package.json when its registration is stale; returns whether it changed. */
function syncCliPackageJson(root = ROOT, plugins = pluginFolders(root)) {
  const file = root === ROOT ? CLI_PACKAGE_JSON : join(root, 'packages', 'cli', 'package.json')
  const text = readFileSync(file, 'utf8')
  const next = `${JSON.stringify(registered(JSON.parse(text), plugins), null, 2)}\n`
  if (next === text) return false
  writeFileSync(file, next)
  return true
}

module.exports = { pluginFolders, registered, syncCliPackageJson, CLI_PACKAGE_JSON }

if (require.main === module) {
  const check = process.argv.includes('--check')
  const cli = JSON.parse(readFileSync(CLI_PACKAGE_JSON, 'utf8'))
  const stale = JSON.stringify(registered(cli, pluginFolders())) !== JSON.stringify(cli)
  if (check) {
    if (stale) console.error('packages/cli/package.json does not register exactly the plugins/ folders; run pnpm install (or node scripts/register-plugins.cjs)')
    process.exit(stale ? 1 : 0)
  }
  console.log(syncCliPackageJson() ? 'packages/cli/package.json: registration updated' : 'packages/cli/package.json: registration up to date')
}
