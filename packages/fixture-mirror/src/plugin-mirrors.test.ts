import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from 'vitest'
import { findRepoRoot } from './cache.js'
import { pluginFixtures, pluginMirror } from './plugin-mirrors.js'

const repo = findRepoRoot()

test('every plugins/<folder>/fixtures/mirror.ts is discovered, keyed by its feature id, and exports mirror(options)', async () => {
  const folders = readdirSync(join(repo, 'plugins')).filter((f) => existsSync(join(repo, 'plugins', f, 'fixtures', 'mirror.ts'))).sort()
  const found = pluginFixtures(repo)
  expect([...found.values()].map((f) => f.dir.split('/').pop()).sort()).toEqual(folders)
  expect([...found.keys()]).toEqual(expect.arrayContaining(['cuda', 'jq', 'nodejs', 'powershell', 'python', 'terraform', 'yq']))
  for (const fixture of found.values()) {
    const mod = (await import(pathToFileURL(fixture.module).href)) as { mirror?: unknown }
    expect(typeof mod.mirror, fixture.module).toBe('function')
  }
})

test('pluginMirror builds a plugin\'s layout through its fixture (jq: the github-release listing and assets)', async () => {
  const m = await pluginMirror('jq')
  expect(m.versions).toEqual(['1.7.1', '1.8.1'])
  const listing = JSON.parse(await readFile(join(m.root, 'api', 'releases'), 'utf8')) as Array<{ tag_name: string }>
  expect(listing.map((r) => r.tag_name)).toContain('jq-1.8.1')
  expect(existsSync(join(m.root, 'releases', 'download', 'jq-1.8.1', 'sha256sum.txt'))).toBe(true)
})

test('an id without a fixture names the ones there are', async () => {
  await expect(pluginMirror('no-such-tool')).rejects.toThrow(/no plugins\/\*\/fixtures\/mirror\.ts for feature "no-such-tool" \(have: .*terraform/)
})
