import { execFileSync, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { get, createServer, type IncomingMessage, type Server } from 'node:http'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { DEFAULT_ARCHIVE_LIMITS, type Artifact } from '@runner-features/core'
import tar from 'tar-stream'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { downloadTmpDir, sweepDownloadTmp } from './download-tmp.js'
import { fetchAllVerified } from './fetch-all.js'
import { cachedPath, fetchVerifiedAndExtract, type FetchOptions } from './fetch-verified.js'

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

async function tarGz(files: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack()
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mode: 0o755 }, typeof body === 'string' ? Buffer.from(body) : body)
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const chunk of pack) chunks.push(chunk as Buffer)
  return gzipSync(Buffer.concat(chunks))
}

/**
 * A loopback server whose routes say what to send: the body, a Content-Length that may lie, and
 * whether to cut the connection after `cutAfter` bytes. Counts requests per path.
 */
interface Route {
  body: Buffer
  contentLength?: number
  cutAfter?: number
}
const routes = new Map<string, Route>()
const hits = new Map<string, number>()
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1)
    const route = routes.get(req.url!)
    if (!route) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-length': String(route.contentLength ?? route.body.length) })
    if (route.cutAfter === undefined) return void res.end(route.body)
    res.write(route.body.subarray(0, route.cutAfter), () => res.socket?.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

/** Plain node:http as the `open` of FetchOptions: no retries, so each fault reaches the pipeline as it happens. */
const http: FetchOptions['http'] = {
  open: (url) => new Promise((resolve, reject) => {
    get(url, (res: IncomingMessage) => {
      const size = Number(res.headers['content-length'])
      resolve({ body: res, size: Number.isFinite(size) ? size : undefined, fetchedFrom: url })
    }).on('error', reject)
  }),
}

let work: string
let cacheDir: string
let dest: string
const warnings: string[] = []
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'rf-fetch-'))
  cacheDir = join(work, 'cache')
  dest = join(work, 'staging')
  await mkdir(dest)
  routes.clear()
  hits.clear()
  warnings.length = 0
})
afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

const options = (over: Partial<FetchOptions> = {}): FetchOptions => ({ http, cacheDir, dest, logger: { warn: (m) => warnings.push(m) }, limits: DEFAULT_ARCHIVE_LIMITS, ...over })
const artifact = (path: string, body: Buffer, over: Partial<Artifact> = {}): Artifact => ({ url: `${base}${path}`, sha256: sha(body), checksumSource: 'test sums', archive: 'tar.gz', strip: 0, ...over })
const tmpFiles = () => readdir(downloadTmpDir(cacheDir)).catch(() => [])

describe('one rejection, nothing left behind', () => {
  test('a fresh download is verified, extracted and only then renamed into the cache', async () => {
    const body = await tarGz({ 'bin/tool': 'tool 1.0\n' })
    routes.set('/tool.tgz', { body })
    const result = await fetchVerifiedAndExtract(artifact('/tool.tgz', body), options())
    expect(result).toMatchObject({ fromCache: false, size: body.length, files: 1 })
    expect(await readFile(join(dest, 'bin/tool'), 'utf8')).toBe('tool 1.0\n')
    expect((await readFile(cachedPath(cacheDir, sha(body)))).equals(body)).toBe(true)
    expect(await tmpFiles()).toEqual([])
  })

  test.each([
    ['a body cut short of its Content-Length', (body: Buffer): Route => ({ body, cutAfter: 5000 })],
    ['a Content-Length longer than the body', (body: Buffer): Route => ({ body, contentLength: body.length + 4096, cutAfter: body.length })],
  ])('%s is DOWNLOAD_FAILED naming the URL, not a crash; no temp file, nothing cached', async (_label, fault) => {
    const body = await tarGz({ 'bin/tool': randomBytes(64 * 1024) })
    routes.set('/cut.tgz', fault(body))
    await expect(fetchVerifiedAndExtract(artifact('/cut.tgz', body), options())).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', where: `${base}/cut.tgz`, hint: expect.any(String) })
    expect(await tmpFiles()).toEqual([])
    expect(await readdir(join(cacheDir, 'downloads', 'sha256'))).toEqual([])
  })

  test('a tampered download is CHECKSUM_MISMATCH (hint names --refresh) and is not cached', async () => {
    const good = await tarGz({ 'bin/tool': 'tool 1.0\n' })
    routes.set('/t.tgz', { body: await tarGz({ 'bin/tool': 'evil\n' }) })
    await expect(fetchVerifiedAndExtract(artifact('/t.tgz', good), options())).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', hint: expect.stringContaining('--refresh') })
    expect(await tmpFiles()).toEqual([])
    expect(await readdir(join(cacheDir, 'downloads', 'sha256'))).toEqual([])
  })

  test('an archive over the limits is ARCHIVE_TOO_LARGE, and neither kept in tmp nor cached', async () => {
    const body = await tarGz(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'x'])))
    routes.set('/many.tgz', { body })
    await expect(fetchVerifiedAndExtract(artifact('/many.tgz', body), options({ limits: { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 10 } }))).rejects.toMatchObject({ code: 'ARCHIVE_TOO_LARGE', where: expect.stringContaining('/many.tgz') })
    expect(await tmpFiles()).toEqual([])
    expect(await readdir(join(cacheDir, 'downloads', 'sha256'))).toEqual([])
  })
})

describe('self-healing download cache', () => {
  test.each([
    ['garbage bytes (not gzip)', async () => Buffer.from('<html>proxy error</html>')],
    ['a truncated copy', async (good: Buffer) => good.subarray(0, good.length - 100)],
    ['another valid archive', async () => tarGz({ 'bin/tool': 'evil\n', 'junk': 'x' })],
  ])('a cached tar.gz holding %s is deleted, fetched again (one request, a warn line) and installs', async (_label, damage) => {
    const good = await tarGz({ 'bin/tool': 'tool 1.0\n' })
    routes.set('/tool.tgz', { body: good })
    const cached = cachedPath(cacheDir, sha(good))
    await mkdir(join(cacheDir, 'downloads', 'sha256'), { recursive: true })
    await writeFile(cached, await damage(good))

    const result = await fetchVerifiedAndExtract(artifact('/tool.tgz', good), options())
    expect(result.fromCache).toBe(false)
    expect(hits.get('/tool.tgz')).toBe(1)
    expect(warnings).toEqual([expect.stringMatching(/no longer has its sha256.*fetching it again/)])
    expect((await readFile(cached)).equals(good)).toBe(true)
    expect((await readdir(dest, { recursive: true })).sort()).toEqual(['bin', 'bin/tool'])
    expect(await readFile(join(dest, 'bin/tool'), 'utf8')).toBe('tool 1.0\n')
  })

  test('a damaged zip cache entry heals the same way', async () => {
    const good = Buffer.from('#!/bin/sh\necho hi\n')
    routes.set('/tool', { body: good })
    await mkdir(join(cacheDir, 'downloads', 'sha256'), { recursive: true })
    await writeFile(cachedPath(cacheDir, sha(good)), 'zzz')
    await fetchVerifiedAndExtract(artifact('/tool', good, { archive: 'file', fileName: 'tool' }), options())
    expect(await readFile(join(dest, 'tool'), 'utf8')).toBe('#!/bin/sh\necho hi\n')
    expect(warnings).toHaveLength(1)
  })

  test('if the network copy is bad too: CHECKSUM_MISMATCH after exactly one request, nothing cached', async () => {
    const good = await tarGz({ 'bin/tool': 'tool 1.0\n' })
    routes.set('/tool.tgz', { body: await tarGz({ 'bin/tool': 'still evil\n' }) })
    await mkdir(join(cacheDir, 'downloads', 'sha256'), { recursive: true })
    await writeFile(cachedPath(cacheDir, sha(good)), 'damaged')
    await expect(fetchVerifiedAndExtract(artifact('/tool.tgz', good), options())).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', where: expect.stringContaining(`${base}/tool.tgz`) })
    expect(hits.get('/tool.tgz')).toBe(1)
    expect(await readdir(join(cacheDir, 'downloads', 'sha256'))).toEqual([])
    expect(await tmpFiles()).toEqual([])
  })

  test('several artifacts: a damaged later one restarts into an emptied staging dir, so nothing of the damaged copy stays', async () => {
    const first = await tarGz({ 'a/one': '1' })
    const second = await tarGz({ 'b/two': '2' })
    routes.set('/1.tgz', { body: first })
    routes.set('/2.tgz', { body: second })
    await mkdir(join(cacheDir, 'downloads', 'sha256'), { recursive: true })
    await writeFile(cachedPath(cacheDir, sha(first)), first)
    await writeFile(cachedPath(cacheDir, sha(second)), await tarGz({ 'b/two': 'evil', 'b/planted': 'x' }))

    const result = await fetchAllVerified([artifact('/1.tgz', first), artifact('/2.tgz', second)], options())
    expect((await readdir(dest, { recursive: true })).sort()).toEqual(['a', 'a/one', 'b', 'b/two'])
    expect(await readFile(join(dest, 'b/two'), 'utf8')).toBe('2')
    expect(result).toMatchObject({ fromCache: false, files: 2 })
    expect([hits.get('/1.tgz'), hits.get('/2.tgz')]).toEqual([undefined, 1])
  })
})

describe('partial downloads in <cache>/downloads/tmp', () => {
  test('the sweep removes what dead or long-gone writers left, never a live writer\'s file', async () => {
    const dir = downloadTmpDir(cacheDir)
    await mkdir(dir, { recursive: true })
    const host = hostname().replace(/[^A-Za-z0-9-]/g, '_')
    const ns = /\[(\d+)\]/.exec(execFileSync('readlink', ['/proc/self/ns/pid'], { encoding: 'utf8' }))?.[1] ?? '0'
    const dead = spawnSync(process.execPath, ['-e', '0']).pid // exited: its pid is free
    const old = new Date(Date.now() - 2 * 3600_000)
    const files = {
      mine: `0123456789abcdef.${host}.${ns}.${process.pid}.00000001.part`,
      deadLocal: `0123456789abcdef.${host}.${ns}.${dead}.00000002.part`,
      otherHostFresh: `0123456789abcdef.pod-b.${ns}.1.00000003.part`,
      otherHostOld: `0123456789abcdef.pod-c.${ns}.1.00000004.part`,
      legacyOld: '0123456789abcdef-1a2b3c4d',
    }
    for (const name of Object.values(files)) await writeFile(join(dir, name), 'partial')
    await utimes(join(dir, files.otherHostOld), old, old)
    await utimes(join(dir, files.legacyOld), old, old)
    expect(await sweepDownloadTmp(cacheDir)).toEqual([files.deadLocal, files.legacyOld, files.otherHostOld].sort())
    expect((await readdir(dir)).sort()).toEqual([files.mine, files.otherHostFresh].sort())
  })
})

// ENOSPC and EROFS need a small file system of their own: a tmpfs, which only root may mount (CI runs as root).
const isRoot = process.getuid?.() === 0
describe.skipIf(!isRoot)('disk full and read-only, on a 2 MiB tmpfs (root only: mount)', () => {
  let mnt: string
  beforeEach(async () => {
    mnt = await mkdtemp(join(tmpdir(), 'rf-tmpfs-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt])
  })
  afterEach(async () => {
    execFileSync('umount', ['-l', mnt])
    await rm(mnt, { recursive: true, force: true })
  })

  test('a download bigger than the free space: DISK_FULL naming the temp file and the size needed; nothing left; fine once there is room', async () => {
    const body = randomBytes(3 * 1024 * 1024)
    routes.set('/big', { body })
    const a = artifact('/big', body, { archive: 'file', fileName: 'big' })
    const err = await fetchVerifiedAndExtract(a, options({ cacheDir: mnt })).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'DISK_FULL', where: expect.stringContaining(join(mnt, 'downloads', 'tmp')), message: expect.stringContaining('3.0 MiB needed'), hint: expect.stringContaining('RUNNER_FEATURES_CACHE_DIR') })
    expect(await readdir(join(mnt, 'downloads', 'tmp'))).toEqual([])
    execFileSync('mount', ['-o', 'remount,size=8m', mnt])
    await fetchVerifiedAndExtract(a, options({ cacheDir: mnt }))
    expect((await stat(join(dest, 'big'))).size).toBe(body.length)
  })

  test('extraction that fills the disk: DISK_FULL naming the staging path; the download is not cached', async () => {
    const body = await tarGz({ 'big.bin': randomBytes(3 * 1024 * 1024) })
    routes.set('/big.tgz', { body })
    const staging = join(mnt, 'staging')
    await mkdir(staging)
    await expect(fetchVerifiedAndExtract(artifact('/big.tgz', body), options({ dest: staging }))).rejects.toMatchObject({ code: 'DISK_FULL', where: expect.stringContaining(staging) })
    expect(await tmpFiles()).toEqual([])
    expect(await readdir(join(cacheDir, 'downloads', 'sha256'))).toEqual([])
  })

  test('a read-only download cache: PERMISSION_DENIED naming the path, with a hint', async () => {
    const body = Buffer.from('x')
    routes.set('/x', { body })
    execFileSync('mount', ['-o', 'remount,ro', mnt])
    await expect(fetchVerifiedAndExtract(artifact('/x', body, { archive: 'file', fileName: 'x' }), options({ cacheDir: join(mnt, 'cache') }))).rejects.toMatchObject({
      code: 'PERMISSION_DENIED', where: expect.stringContaining(mnt), hint: expect.stringContaining('RUNNER_FEATURES_CACHE_DIR'),
    })
    expect(hits.get('/x')).toBeUndefined()
  })
})
