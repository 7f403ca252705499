import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile, mkdir, readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { readState, type Feature, type Platform, type PluginRef } from '@runner-features/core'
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

test('a second install into another tool cache links the stored tree: no request, same files, read-only', async () => {
  const { run, settings } = await install(feature())
  expect((await run()).status).toBe('installed')
  const other = { ...settings, toolCacheRoot: join(work, 'tc2'), stateFile: join(work, 'tc2', '.runner-features', 'state.json'), binDir: join(work, 'bin2') }
  server.resetRequests()
  const f = feature()
  const { ctx, http } = createFeatureContext(f, { platform, mirror: server.url, logger, signal: new AbortController().signal, cacheDir: settings.cacheDir, indexTtlMs: 0 })
  const outcome = await installFeature({ feature: f, plugin, version: { version: '1.0.0' }, platform, ctx, http }, other)
  expect(outcome).toMatchObject({ status: 'installed', fromCache: true })
  expect(server.requests).toHaveLength(0)
  const installed = join(other.toolCacheRoot, 'tool', '1.0.0', 'x64', 'tool')
  expect(await readFile(installed, 'utf8')).toBe(SCRIPT('1.0.0'))
  expect((await stat(installed)).mode & 0o777).toBe(0o555)
})

test('installs; a corrupted download cache heals itself (deleted, fetched again); bad bytes from the mirror too fail closed', async () => {
  const { run, settings } = await install(feature())
  expect((await run()).status).toBe('installed')
  const cached = cachedPath(settings.cacheDir, sha(SCRIPT('1.0.0')))
  expect(await readFile(cached, 'utf8')).toBe(SCRIPT('1.0.0'))
  // Remove the install, corrupt the cached bytes, install again: the re-hash catches it and the mirror's copy replaces it.
  await rm(join(settings.toolCacheRoot, 'tool'), { recursive: true })
  await rm(settings.stateFile)
  // Without the store of extracted trees (store.ts), which would link the tree and never read the cache.
  await rm(join(settings.cacheDir, 'store'), { recursive: true })
  await writeFile(cached, SCRIPT('6.6.6'))
  server.resetRequests()
  expect((await run()).status).toBe('installed')
  expect(server.requests).toHaveLength(1)
  expect(await readFile(cached, 'utf8')).toBe(SCRIPT('1.0.0'))
  // Cache and mirror both wrong: CHECKSUM_MISMATCH, nothing installed, nothing cached.
  await rm(join(settings.toolCacheRoot, 'tool'), { recursive: true })
  await rm(settings.stateFile)
  await rm(join(settings.cacheDir, 'store'), { recursive: true })
  await writeFile(cached, SCRIPT('6.6.6'))
  await writeFile(join(upstream, '1.0.0', 'tool'), SCRIPT('6.6.6'))
  try {
    await expect(run()).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' })
  } finally {
    await writeFile(join(upstream, '1.0.0', 'tool'), SCRIPT('1.0.0'))
  }
  await expect(readFile(cached)).rejects.toMatchObject({ code: 'ENOENT' })
  // Not even an empty <tool>/<version>/ dir stays behind.
  expect((await readdir(settings.toolCacheRoot)).filter((n) => n !== '.runner-features')).toEqual([])
})

test('a failing smoke test installs nothing and names the command', async () => {
  const { run, settings } = await install(feature({ smokeTest: { command: ['tool'], expect: 'tool 9.9.9' } }))
  await expect(run()).rejects.toMatchObject({ code: 'SMOKE_TEST_FAILED', message: expect.stringContaining('`tool`') })
  // Not even an empty <tool>/<version>/ dir stays behind.
  expect((await readdir(settings.toolCacheRoot)).filter((n) => n !== '.runner-features')).toEqual([])
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

// A feature whose post-install step records where it ran (argv: post <file> <exit code>).
const POST_SCRIPT = '#!/bin/sh\nif [ "$1" = post ]; then pwd > "$2"; ls -A .. > "$2.siblings"; exit "$3"; fi\necho "tool 1.0.0"\n'
function postFeature(exitCode: number, record: string): Feature {
  return feature({
    artifact: async () => ({ url: 'https://tool.example/1.0.0/post-tool', sha256: sha(POST_SCRIPT), checksumSource: 'test', archive: 'file', fileName: 'tool', strip: 0 }),
    postInstall: () => [{ description: 'tool post', command: ['tool', 'post', record, String(exitCode)] }],
  })
}

test('post-install steps run in the final dir before the marker; a failing one leaves nothing installed', async () => {
  await writeFile(join(upstream, '1.0.0', 'post-tool'), POST_SCRIPT)
  const ok = await install(postFeature(0, join(tmpdir(), `rf-post-${process.pid}-ok`)))
  expect((await ok.run()).status).toBe('installed')
  const dir = join(ok.settings.toolCacheRoot, 'tool', '1.0.0', 'x64')
  expect((await readFile(join(tmpdir(), `rf-post-${process.pid}-ok`), 'utf8')).trim()).toBe(dir)
  // It ran after the rename (no staging dir around) and before the marker was written.
  const siblings = (await readFile(join(tmpdir(), `rf-post-${process.pid}-ok.siblings`), 'utf8')).trim().split('\n')
  expect(siblings).toContain('x64')
  expect(siblings.filter((n) => n.startsWith('.staging') || n === 'x64.complete')).toEqual([])
  await rm(work, { recursive: true, force: true })

  const bad = await install(postFeature(3, join(tmpdir(), `rf-post-${process.pid}-bad`)))
  await expect(bad.run()).rejects.toMatchObject({ code: 'POST_INSTALL_FAILED', where: 'tool@1.0.0', message: expect.stringContaining('tool post exited 3') })
  expect((await readdir(bad.settings.toolCacheRoot)).filter((n) => n !== '.runner-features')).toEqual([])
  expect((await readState(bad.settings.stateFile)).installs).toEqual([])
  for (const f of ['ok', 'ok.siblings', 'bad', 'bad.siblings']) await rm(join(tmpdir(), `rf-post-${process.pid}-${f}`), { force: true })
})
