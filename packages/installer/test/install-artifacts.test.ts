import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { readState, type Artifact, type Feature, type Platform, type PluginRef } from '@runner-features/core'
import { createFeatureContext, installFeature } from '@runner-features/installer'

// A feature whose version is two files (a tool and its helper), each with its own sha256:
// core must verify and extract both into one install dir, or install nothing.
const TOOL = '#!/bin/sh\necho "tool 1.0.0 with $(cat "$(dirname "$0")/helper")"\n'
const HELPER = 'helper-ok\n'
const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const platform: Platform = { os: 'linux', arch: 'x64', libc: 'glibc', distro: { id: 'debian', versionId: '12', idLike: [], family: 'debian' } }
const logger = { info() {}, warn() {}, debug() {} }
const UP = 'https://tool.example/'

let upstream: string
let server: MirrorServer
let work: string
beforeAll(async () => {
  upstream = await mkdtemp(join(tmpdir(), 'rf-multi-up-'))
  await mkdir(join(upstream, '1.0.0'))
  await writeFile(join(upstream, '1.0.0', 'tool'), TOOL)
  await writeFile(join(upstream, '1.0.0', 'helper'), HELPER)
  server = await startMirrorServer(upstream)
})
afterAll(async () => {
  await server.close()
  await rm(upstream, { recursive: true, force: true })
})
afterEach(async () => {
  server.resetRequests()
  server.clearOverrides()
  await rm(work, { recursive: true, force: true })
})

const file = (name: string, content: string, over: Partial<Artifact> = {}): Artifact => ({ url: `${UP}1.0.0/${name}`, sha256: sha(content), checksumSource: 'test sums', archive: 'file', fileName: name, strip: 0, ...over })

function feature(artifacts: Artifact[]): Feature {
  return {
    id: 'tool', description: 'test tool', toolName: 'tool', defaultVersion: 'latest', upstream: UP,
    platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }], bins: ['tool'],
    smokeTest: { command: ['tool'], expect: 'tool {{version}} with helper-ok' },
    listVersions: async () => [{ version: '1.0.0' }],
    artifacts: async () => artifacts,
  }
}

async function install(f: Feature) {
  work = await mkdtemp(join(tmpdir(), 'rf-multi-'))
  const { ctx, http } = createFeatureContext(f, { platform, mirror: server.url, logger, signal: new AbortController().signal, cacheDir: join(work, 'cache'), indexTtlMs: 0 })
  const settings = { toolCacheRoot: join(work, 'tc'), binDir: join(work, 'bin'), cacheDir: join(work, 'cache'), stateFile: join(work, 'tc', '.runner-features', 'state.json'), env: {} }
  const plugin: PluginRef = { name: '@test/tool', version: '1.0.0', dir: '/nowhere', origin: 'user', manifest: f }
  return { run: () => installFeature({ feature: f, plugin, version: { version: '1.0.0' }, platform, ctx, http }, settings), settings }
}

test('every artifact is fetched, verified and extracted into one install dir; the state records each', async () => {
  const { run, settings } = await install(feature([file('tool', TOOL), file('helper', HELPER)]))
  const outcome = await run()
  expect(outcome.status).toBe('installed')
  const dir = join(settings.toolCacheRoot, 'tool', '1.0.0', 'x64')
  expect((await readdir(dir)).sort()).toEqual(['helper', 'tool'])
  expect(outcome.record).toMatchObject({ sourceUrl: `${UP}1.0.0/tool`, sha256: sha(TOOL), size: TOOL.length + HELPER.length })
  const [record] = (await readState(settings.stateFile)).installs
  expect(record!.artifacts).toEqual([
    { url: `${UP}1.0.0/tool`, sha256: sha(TOOL), size: TOOL.length },
    { url: `${UP}1.0.0/helper`, sha256: sha(HELPER), size: HELPER.length },
  ])
})

test('a tampered second artifact: CHECKSUM_MISMATCH naming it, nothing in the tool cache or bin dir', async () => {
  const { run, settings } = await install(feature([file('tool', TOOL), file('helper', HELPER)]))
  server.override('/1.0.0/helper', Buffer.from('helper-evil\n'))
  await expect(run()).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: expect.stringContaining(`${UP}1.0.0/helper`) })
  // Not even an empty <tool>/<version>/ dir stays behind.
  expect((await readdir(settings.toolCacheRoot)).filter((n) => n !== '.runner-features')).toEqual([])
  expect(await readdir(settings.binDir).catch(() => [])).toEqual([])
  expect((await readState(settings.stateFile)).installs).toEqual([])
})

test('a missing sha256 on any artifact is refused before the first request', async () => {
  const { run } = await install(feature([file('tool', TOOL), file('helper', HELPER, { sha256: '' })]))
  await expect(run()).rejects.toMatchObject({ code: 'CHECKSUM_MISSING', message: expect.stringContaining('helper') })
  expect(server.requests).toEqual([])
})

test('a later artifact replaces an earlier one at the same path (tar -x order)', async () => {
  const { run, settings } = await install(feature([file('tool', TOOL), file('helper', 'overwritten\n', { url: `${UP}1.0.0/helper-old`, fileName: 'helper' }), file('helper', HELPER)]))
  server.override('/1.0.0/helper-old', Buffer.from('overwritten\n'))
  expect((await run()).status).toBe('installed')
  expect(await readFile(join(settings.toolCacheRoot, 'tool', '1.0.0', 'x64', 'helper'), 'utf8')).toBe(HELPER)
})

test('a plugin returning no artifacts is PLUGIN_INVALID', async () => {
  const { run } = await install(feature([]))
  await expect(run()).rejects.toMatchObject({ code: 'PLUGIN_INVALID' })
})
