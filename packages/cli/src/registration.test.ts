import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

// renovate's rule: the list of plugin folders equals the registry, so registration cannot rot.
// The registry is generated (scripts/register-plugins.cjs, run by `pnpm install` through
// .pnpmfile.cjs); this test catches a generated file that was not regenerated or was hand-edited.
const require = createRequire(import.meta.url)
const { pluginFolders, registered } = require('../../../scripts/register-plugins.cjs') as {
  pluginFolders(): string[]
  registered(cli: object, plugins: string[]): object
}
const cli = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { oclif: { plugins: string[] }; dependencies: Record<string, string> }

test('every plugin folder is bundled with the CLI and nothing else is', () => {
  const folders = pluginFolders()
  expect(folders.length).toBeGreaterThan(0)
  expect(cli.oclif.plugins.filter((p) => !p.startsWith('@oclif/')).sort()).toEqual(folders)
  for (const name of folders) expect(cli.dependencies[name]).toBe('workspace:*')
})

test('the CLI package.json is exactly what the generator writes (no hand edits, no stale plugin dependency)', () => {
  expect(registered(cli, pluginFolders())).toEqual(cli)
})

test('the generator drops a plugin whose folder is gone and adds a new one', () => {
  const next = registered({ oclif: { plugins: ['@oclif/plugin-help', '@runner-features/old'] }, dependencies: { '@runner-features/core': 'workspace:*', '@runner-features/old': 'workspace:*' } }, ['@runner-features/new']) as typeof cli
  expect(next.oclif.plugins).toEqual(['@oclif/plugin-help', '@oclif/plugin-autocomplete', '@runner-features/new'])
  expect(next.dependencies).toEqual({ '@runner-features/core': 'workspace:*', '@runner-features/new': 'workspace:*' })
})

// The shared contract suite on every plugin folder (each plugin's own tests run it too; this one
// makes sure a new folder cannot skip it).
test.each(pluginFolders().map((name) => name.replace('@runner-features/', '')))('plugins/%s keeps the plugin contract', async (dir) => {
  // The CLI does not depend on the kit; its testing entry is read from source (as vitest aliases it).
  const { pluginProblems } = await import('../../kit/src/testing/index.js')
  const { featureFromPackage } = await import('@runner-features/core')
  const root = new URL(`../../../plugins/${dir}/`, import.meta.url)
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { main?: string; name?: string; runner?: { feature?: unknown } }
  // A declarative plugin is its package.json; a plugin with code is its src/index.ts (tests run source).
  const feature = pkg.main === undefined ? featureFromPackage(pkg) : ((await import(new URL('src/index.ts', root).href)) as { default: Parameters<typeof pluginProblems>[1] }).default
  expect(pluginProblems(root, feature)).toEqual([])
})
