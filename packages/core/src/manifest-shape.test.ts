import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { manifestLooksValid } from './manifest-shape.js'
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
