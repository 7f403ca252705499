import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { manifestLooksValid } from './manifest-shape.js'
import { featureFromPackage } from './define.js'
import { parseFeatureManifest } from './manifest-schema.js'
import { discoverPlugins } from './plugins.js'

const good = {
  id: 'tool', description: 'a tool', toolName: 'tool', defaultVersion: 'latest', upstream: 'https://example.com/',
  platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }],
}

const pluginsRoot = join(import.meta.dirname, '..', '..', '..', 'plugins')

test('every bundled plugin manifest the schema accepts also passes the cheap shape check', async () => {
  const manifests = await Promise.all((await readdir(pluginsRoot)).map(async (name) => {
    const pkg = JSON.parse(await readFile(join(pluginsRoot, name, 'package.json'), 'utf8')) as { runner?: { feature?: unknown } }
    return [name, pkg.runner?.feature] as const
  }))
  expect(manifests.length).toBeGreaterThan(5)
  for (const [name, feature] of manifests) {
    expect('manifest' in parseFeatureManifest(feature), name).toBe(true)
    expect(manifestLooksValid(feature), name).toBe(true)
  }
})

test.each([
  ['platforms is a string', { platforms: 'linux' }],
  ['platforms[0].arch is a string', { platforms: [{ os: 'linux', arch: 'x64', libc: ['glibc'] }] }],
  ['an id with capitals', { id: 'Tool' }],
  ['dependsOn is an object', { dependsOn: { id: 'nodejs' } }],
  ['bins is a string', { bins: 'tool' }],
  ['a source of an unknown type', { source: { type: 'ftp' } }],
])('the shape check and the schema both reject: %s', (_name, patch) => {
  const manifest = { ...good, ...patch }
  expect(manifestLooksValid(manifest)).toBe(false)
  expect('problems' in parseFeatureManifest(manifest)).toBe(true)
})

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

test('a bundled plugin that fails the shape check is disabled with the schema\'s message; its neighbour is listed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rf-shape-'))
  dirs.push(dir)
  const plugin = async (name: string, feature: unknown) => {
    await mkdir(join(dir, 'node_modules', name), { recursive: true })
    await writeFile(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', runner: { feature } }))
  }
  await plugin('broken', { ...good, id: 'broken', platforms: 'linux' })
  await plugin('fine', { ...good, id: 'fine' })
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'cli', oclif: { plugins: ['broken', 'fine'] } }))
  const found = await discoverPlugins({ cliPackageJson: join(dir, 'package.json'), pluginDirs: [] })
  expect(found.plugins.map((p) => p.manifest.id)).toEqual(['fine'])
  const schemaMessage = (parseFeatureManifest({ ...good, id: 'broken', platforms: 'linux' }) as { problems: string[] }).problems.join('; ')
  expect(found.problems).toEqual([{ where: 'broken (feature "broken")', id: 'broken', message: `the plugin is disabled: ${schemaMessage}` }])
})

describe('Windows platforms and per-OS bins', () => {
  const windows = { ...good, platforms: [...good.platforms, { os: 'windows', arch: ['x64'] }], bins: { linux: ['bin/tool'], windows: ['tool.exe'] } }

  test('a windows entry without libc and bins per OS pass both checks', () => {
    expect(manifestLooksValid(windows)).toBe(true)
    expect(parseFeatureManifest(windows)).toMatchObject({ manifest: { bins: { linux: ['bin/tool'], windows: ['tool.exe'] } } })
    // Every existing form stays valid: one list of bins for every OS.
    expect('manifest' in parseFeatureManifest({ ...windows, bins: ['tool'] })).toBe(true)
  })

  test.each([
    ['libc on a windows entry', { platforms: [{ os: 'windows', arch: ['x64'], libc: ['glibc'] }] }, 'runner.feature.platforms[0]'],
    ['families on a windows entry', { platforms: [{ os: 'windows', arch: ['x64'], families: ['debian'] }] }, 'runner.feature.platforms[0]'],
    ['an os nobody knows', { platforms: [{ os: 'darwin', arch: ['x64'] }] }, 'runner.feature.platforms[0].os'],
    ['bins per OS of an unknown OS', { bins: { linux: ['tool'], darwin: ['tool'] } }, 'runner.feature.bins'],
    ['bins per OS naming none', { bins: {} }, 'runner.feature.bins'],
  ])('both refuse %s', (_name, patch, field) => {
    const manifest = { ...windows, ...patch }
    expect(manifestLooksValid(manifest)).toBe(false)
    expect((parseFeatureManifest(manifest) as { problems: string[] }).problems.join('; ')).toContain(field)
  })

  test('the schema refuses bins per OS that leave out an OS the platforms name', () => {
    expect(parseFeatureManifest({ ...windows, bins: { linux: ['tool'] } })).toEqual({ problems: ['runner.feature.bins.windows: platforms name windows but bins has no windows list'] })
  })

  test('bins per OS stated in code are held to the same rule; the Linux list stays `bins`', () => {
    const { bins: _bins, ...data } = windows
    const pkg = { name: '@acme/tool', runner: { feature: { ...data, smokeTest: { command: ['bin/tool', '--version'], expect: '{{version}}' } } } }
    expect(() => featureFromPackage(pkg, { bins: { linux: ['bin/tool'] } })).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID', message: expect.stringContaining('none for windows') }))
    const feature = featureFromPackage(pkg, { bins: { linux: ['bin/tool'], windows: ['tool.exe'] } })
    expect([feature.bins, feature.binsByOs]).toEqual([['bin/tool'], { linux: ['bin/tool'], windows: ['tool.exe'] }])
  })
})
