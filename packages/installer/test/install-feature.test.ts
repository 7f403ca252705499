import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile, mkdir, readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import type { Feature, Platform, PluginRef } from '@runner-features/core'
import { cachedPath, createFeatureContext, installFeature, FeatureHttp } from '@runner-features/installer'

// A minimal single-file feature served from a throwaway upstream dir.
const SCRIPT = (v: string) => `#!/bin/sh\necho "tool ${v}"\n`
const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const platform: Platform = { os: 'linux', arch: 'x64', libc: 'glibc', distro: { id: 'debian', versionId: '12', idLike: [], family: 'debian' } }
const logger = { info() {}, warn() {}, debug() {} }

let upstream: string
let server: MirrorServer
let work: string
beforeAll(async () => {
  upstream = await mkdtemp(join(tmpdir(), 'rf-up-'))
  await mkdir(join(upstream, '1.0.0'))
  await writeFile(join(upstream, '1.0.0', 'tool'), SCRIPT('1.0.0'))
  server = await startMirrorServer(upstream)
})
afterAll(async () => {
  await server.close()
  await rm(upstream, { recursive: true, force: true })
})
afterEach(async () => {
  server.resetRequests()
  await rm(work, { recursive: true, force: true })
})

function feature(over: Partial<Feature> = {}): Feature {
  return {
    id: 'tool', description: 'test tool', toolName: 'tool', defaultVersion: 'latest', upstream: 'https://tool.example/',
    platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }], bins: ['tool'],
    smokeTest: { command: ['tool'], expect: 'tool {{version}}' },
    listVersions: async () => [{ version: '1.0.0' }],
    artifact: async (v) => ({ url: `https://tool.example/${v.version}/tool`, sha256: sha(SCRIPT(v.version)), checksumSource: 'test', archive: 'file', fileName: 'tool', strip: 0 }),
    ...over,
  }
}
const plugin: PluginRef = { name: '@test/tool', version: '1.0.0', dir: '/nowhere', origin: 'user', manifest: feature() }

async function install(f: Feature) {
  work = await mkdtemp(join(tmpdir(), 'rf-inst-'))
  const { ctx, http } = createFeatureContext(f, { platform, mirror: server.url, logger, signal: new AbortController().signal, cacheDir: join(work, 'cache'), indexTtlMs: 0 })
  const settings = { toolCacheRoot: join(work, 'tc'), binDir: join(work, 'bin'), cacheDir: join(work, 'cache'), stateFile: join(work, 'tc', '.runner-features', 'state.json'), env: {} }
  return { run: () => installFeature({ feature: f, plugin, version: { version: '1.0.0' }, platform, ctx, http }, settings), settings }
}

test('installs, then a corrupted download cache is caught instead of trusted', async () => {
  const { run, settings } = await install(feature())
  expect((await run()).status).toBe('installed')
  const cached = cachedPath(settings.cacheDir, sha(SCRIPT('1.0.0')))
  expect(await readFile(cached, 'utf8')).toBe(SCRIPT('1.0.0'))
  // Remove the install, corrupt the cached bytes, install again: the re-hash must fail closed.
  await rm(join(settings.toolCacheRoot, 'tool'), { recursive: true })
  await rm(settings.stateFile)
  await writeFile(cached, SCRIPT('6.6.6'))
  await expect(run()).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' })
  expect(await readdir(join(settings.toolCacheRoot, 'tool', '1.0.0'))).toEqual([])
})

test('a failing smoke test installs nothing and names the command', async () => {
  const { run, settings } = await install(feature({ smokeTest: { command: ['tool'], expect: 'tool 9.9.9' } }))
  await expect(run()).rejects.toMatchObject({ code: 'SMOKE_TEST_FAILED', message: expect.stringContaining('`tool`') })
  expect(await readdir(join(settings.toolCacheRoot, 'tool', '1.0.0'))).toEqual([])
  expect(await readdir(settings.binDir).catch(() => [])).toEqual([])
})

test('an artifact without a valid sha256 is refused before any request', async () => {
  const f = feature({ artifact: async () => ({ url: 'https://tool.example/1.0.0/tool', sha256: '', checksumSource: 'nowhere', archive: 'file', fileName: 'tool', strip: 0 }) })
  const { run } = await install(f)
  await expect(run()).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
  expect(server.requests).toEqual([])
})

test('a server that stops sending mid-body fails with DOWNLOAD_FAILED after the idle timeout', async () => {
  const stall = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '1000' })
    res.write('x'.repeat(10))
  })
  await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r))
  try {
    const http = new FeatureHttp({ upstream: 'https://tool.example/', mirror: `http://127.0.0.1:${(stall.address() as { port: number }).port}/`, logger, idleTimeoutMs: 300, retries: 0 })
    const { body } = await http.open('https://tool.example/x')
    await expect((async () => { for await (const _ of body) { /* drain */ } })()).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringContaining('stalled') })
  } finally {
    stall.closeAllConnections()
    stall.close()
  }
})

test('with a mirror set, a URL outside the upstream is refused, not fetched', async () => {
  const http = new FeatureHttp({ upstream: 'https://tool.example/', mirror: server.url, logger })
  await expect(http.text('https://elsewhere.example/index.json')).rejects.toMatchObject({ code: 'MIRROR_ESCAPE' })
  expect(server.requests).toEqual([])
})
