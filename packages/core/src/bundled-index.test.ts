import { chmod, cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { BUNDLED_INDEX, writeBundledIndex } from './bundled-index.js'
import { discoverPlugins } from './plugins.js'

// A CLI package as the build leaves it: package.json registering plugins, node_modules holding
// them. Discovery with the build's index must report exactly what reading every package.json
// reports, whatever happened to the files since the index was written.
const feature = (id: string, description: string) => ({
  id, description, toolName: id, defaultVersion: 'latest', upstream: 'https://example.com/',
  platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }],
})
const plugins: Record<string, object> = {
  '@t/alpha': { name: '@t/alpha', version: '1.0.0', runner: { feature: feature('alpha', 'alpha tool') } },
  '@t/beta': { name: '@t/beta', version: '2.0.0', main: 'dist/index.js', runner: { feature: feature('beta', 'beta tool') } },
  // Wrong-typed manifest: disabled alone, reported as a problem naming the feature.
  '@t/broken': { name: '@t/broken', version: '1.0.0', runner: { feature: { ...feature('broken', 'x'), platforms: 'linux' } } },
  // oclif's own plugins carry no feature.
  '@oclif/plugin-help': { name: '@oclif/plugin-help', version: '7.0.0' },
}
const HOUR_AGO = new Date(Date.now() - 3600_000)

let root: string
let cli: string
const cliPackageJson = () => join(cli, 'package.json')
const pluginFile = (name: string) => join(cli, 'node_modules', name, 'package.json')
const discover = () => discoverPlugins({ cliPackageJson: cliPackageJson(), pluginDirs: [] })
/** What discovery says with no index at all: every package.json read. */
async function withoutIndex() {
  const saved = await readFile(join(cli, BUNDLED_INDEX), 'utf8').catch(() => undefined)
  await rm(join(cli, BUNDLED_INDEX), { force: true })
  try {
    return await discover()
  } finally {
    if (saved !== undefined) await writeFile(join(cli, BUNDLED_INDEX), saved)
  }
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rf-bundled-index-'))
  cli = join(root, 'cli')
  await mkdir(join(cli, 'dist'), { recursive: true })
  await writeFile(cliPackageJson(), JSON.stringify({ name: 'cli', oclif: { plugins: [...Object.keys(plugins), '@t/missing'] } }))
  for (const [name, pkg] of Object.entries(plugins)) {
    await mkdir(join(cli, 'node_modules', name), { recursive: true })
    await writeFile(pluginFile(name), JSON.stringify(pkg))
    // Written well before the build, as a checkout is.
    await utimes(pluginFile(name), HOUR_AGO, HOUR_AGO)
  }
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

test('discovery with the index reports exactly what reading every package.json reports', async () => {
  const fresh = await discover()
  expect(fresh.plugins.map((p) => p.manifest.id)).toEqual(['alpha', 'beta'])
  expect(fresh.problems.map((p) => p.where).sort()).toEqual(['@t/broken (feature "broken")', '@t/missing'])

  const written = await writeBundledIndex(cliPackageJson())
  expect(written.indexed.sort()).toEqual(Object.keys(plugins).sort())
  expect(written.skipped).toEqual(['@t/missing'])
  expect(await discover()).toEqual(fresh)
})

test('while the files are unchanged discovery takes the plugins from the index, not from their package.json', async () => {
  await writeBundledIndex(cliPackageJson())
  // Proof that the index is read: an entry whose stamp still matches is believed.
  const index = JSON.parse(await readFile(join(cli, BUNDLED_INDEX), 'utf8')) as { plugins: { name: string; pkg: { runner: { feature: { description: string } } } }[] }
  index.plugins.find((p) => p.name === '@t/alpha')!.pkg.runner.feature.description = 'as indexed'
  await writeFile(join(cli, BUNDLED_INDEX), JSON.stringify(index))
  expect((await discover()).plugins.find((p) => p.manifest.id === 'alpha')?.manifest.description).toBe('as indexed')
})

test('a plugin changed after the build is read again, even when its package.json keeps its size', async () => {
  await writeBundledIndex(cliPackageJson())
  const text = await readFile(pluginFile('@t/alpha'), 'utf8')
  const edited = text.replace('alpha tool', 'ALPHA TOOL').replace('"1.0.0"', '"1.0.1"')
  expect(edited.length).toBe(text.length)
  await writeFile(pluginFile('@t/alpha'), edited)

  const after = await discover()
  expect(after.plugins.find((p) => p.manifest.id === 'alpha')).toMatchObject({ version: '1.0.1', manifest: { description: 'ALPHA TOOL' } })
  expect(after).toEqual(await withoutIndex())
})

test('a plugin that became broken or went away after the build gives the same problem as without the index', async () => {
  await writeBundledIndex(cliPackageJson())
  await writeFile(pluginFile('@t/beta'), '{"name": "@t/beta",,}')
  await rm(join(cli, 'node_modules', '@t', 'broken'), { recursive: true })

  const after = await discover()
  expect(after).toEqual(await withoutIndex())
  expect(after.plugins.map((p) => p.manifest.id)).toEqual(['alpha'])
  expect(after.problems.map((p) => p.where).sort()).toEqual(['@t/beta', '@t/broken', '@t/missing'])
  expect(after.problems.find((p) => p.where === '@t/beta')?.message).toMatch(/cannot read .*@t\/beta\/package\.json/)
})

test('a changed mode also retires the entry (the file is read again)', async () => {
  await writeBundledIndex(cliPackageJson())
  const index = JSON.parse(await readFile(join(cli, BUNDLED_INDEX), 'utf8')) as { plugins: { name: string; pkg: { runner: { feature: { description: string } } } }[] }
  index.plugins.find((p) => p.name === '@t/alpha')!.pkg.runner.feature.description = 'as indexed'
  await writeFile(join(cli, BUNDLED_INDEX), JSON.stringify(index))
  await chmod(pluginFile('@t/alpha'), 0o600)
  expect((await discover()).plugins.find((p) => p.manifest.id === 'alpha')?.manifest.description).toBe('alpha tool')
})

test.each([
  ['not JSON', '{"schemaVersion":1,'],
  ['another schema version', JSON.stringify({ schemaVersion: 2, plugins: [] })],
  ['entries of the wrong shape', JSON.stringify({ schemaVersion: 1, plugins: [{ name: '@t/alpha', stamp: 7, pkg: null }, 'x'] })],
])('an index that is %s is ignored without an error', async (_name, text) => {
  const fresh = await discover()
  await writeFile(join(cli, BUNDLED_INDEX), text)
  expect(await discover()).toEqual(fresh)
})

test('a package.json not older than the index is left out of it (a same-tick edit could not be told apart)', async () => {
  const future = new Date(Date.now() + 3600_000)
  await utimes(pluginFile('@t/beta'), future, future)
  const written = await writeBundledIndex(cliPackageJson())
  expect(written.skipped.sort()).toEqual(['@t/beta', '@t/missing'])
  expect(await discover()).toEqual(await withoutIndex())
})

test('the index keeps working when the CLI is copied with its timestamps cut to whole seconds (a Docker COPY of the deployed CLI)', async () => {
  const fraction = new Date(HOUR_AGO.getTime() - (HOUR_AGO.getTime() % 1000) + 750)
  for (const name of Object.keys(plugins)) await utimes(pluginFile(name), fraction, fraction)
  await writeBundledIndex(cliPackageJson())
  const copy = join(root, 'copy')
  await cp(cli, copy, { recursive: true })
  const whole = new Date(fraction.getTime() - 750)
  for (const name of Object.keys(plugins)) await utimes(join(copy, 'node_modules', name, 'package.json'), whole, whole)
  const index = JSON.parse(await readFile(join(copy, BUNDLED_INDEX), 'utf8')) as { plugins: { name: string; pkg: { runner: { feature: { description: string } } } }[] }
  index.plugins.find((p) => p.name === '@t/alpha')!.pkg.runner.feature.description = 'as indexed'
  await writeFile(join(copy, BUNDLED_INDEX), JSON.stringify(index))
  const found = await discoverPlugins({ cliPackageJson: join(copy, 'package.json'), pluginDirs: [] })
  expect(found.plugins.find((p) => p.manifest.id === 'alpha')).toMatchObject({ dir: join(copy, 'node_modules', '@t', 'alpha'), manifest: { description: 'as indexed' } })
})
