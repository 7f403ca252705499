import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { DEFAULT_ARCHIVE_LIMITS, RATIO_FLOOR, type ArchiveLimits } from '@runner-features/core'
import tar from 'tar-stream'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import yazl from 'yazl'
import { extractArchiveFile, extractTarStream } from './index.js'

const MiB = 1024 ** 2
let dest: string
let scratch: string

beforeEach(async () => {
  dest = await mkdtemp(join(tmpdir(), 'rf-limits-dest-'))
  scratch = await mkdtemp(join(tmpdir(), 'rf-limits-src-'))
})
afterEach(async () => {
  await rm(dest, { recursive: true, force: true })
  await rm(scratch, { recursive: true, force: true })
})

const limits = (over: Partial<ArchiveLimits>): ArchiveLimits => ({ ...DEFAULT_ARCHIVE_LIMITS, ...over })
const opts = (over: Partial<ArchiveLimits>, strip = 0) => ({ dest, strip, source: 'https://mirror.example/bomb.tar.gz', limits: limits(over) })

/** A tar of `count` entries named by `name(i)`, each holding `body(i)`. */
async function tarOf(count: number, name: (i: number) => string, body: (i: number) => Buffer = () => Buffer.alloc(0)): Promise<Buffer> {
  const pack = tar.pack()
  const chunks: Buffer[] = []
  const read = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer)
  })()
  for (let i = 0; i < count; i++) pack.entry({ name: name(i), mode: 0o644 }, body(i))
  pack.finalize()
  await read
  return Buffer.concat(chunks)
}

/** Sum of file sizes under `dir`: what the extractor wrote. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}

/**
 * A gzip stream of a tar holding one file of `size` zero bytes, built without ever holding or
 * deflating that much: gzip members may be concatenated, so the 512-byte header, one deflated
 * MiB of zeros repeated, and the end-of-archive blocks are each a member. ~1 KiB per MiB.
 */
async function zeroFileTarGz(name: string, size: number): Promise<Buffer> {
  // The header tar-stream writes for the entry is all we take from it; its body is never written.
  const pack = tar.pack()
  pack.entry({ name, size, mode: 0o644 })
  const header = await new Promise<Buffer>((resolve) => pack.once('data', (chunk) => resolve((chunk as Buffer).subarray(0, 512))))
  pack.destroy()
  const mib = gzipSync(Buffer.alloc(MiB), { level: 9 })
  return Buffer.concat([gzipSync(header), ...Array.from({ length: size / MiB }, () => mib), gzipSync(Buffer.alloc(1024))])
}

describe('tar: limits checked while extracting', () => {
  test('a small gzip whose file declares more than the size limit is refused before it is written', async () => {
    const gz = await zeroFileTarGz('pkg/huge.bin', 64 * MiB)
    expect(gz.length).toBeLessThan(MiB)
    await expect(extractTarStream(Readable.from([gz]), 'gzip', opts({ maxExpandedBytes: 8 * MiB }))).rejects.toMatchObject({
      code: 'ARCHIVE_TOO_LARGE',
      where: 'https://mirror.example/bomb.tar.gz: pkg/huge.bin',
      message: expect.stringContaining('more than 8 MiB'),
      hint: expect.stringMatching(/RUNNER_FEATURES_MAX_EXPANDED_BYTES=16M or limits.maxExpandedSize/),
    })
    expect(await bytesUnder(dest)).toBe(0)
  })

  test('the size limit counts every file: it stops at the first file that would cross it', async () => {
    const tarball = gzipSync(await tarOf(10, (i) => `pkg/f${i}`, () => Buffer.alloc(MiB, 1)))
    await expect(extractTarStream(Readable.from([tarball]), 'gzip', opts({ maxExpandedBytes: 3.5 * MiB }))).rejects.toMatchObject({ code: 'ARCHIVE_TOO_LARGE', where: expect.stringMatching(/: pkg\/f3$/) })
    expect(await bytesUnder(dest)).toBeLessThanOrEqual(3.5 * MiB)
  })

  test('past 256 MiB written, more than the ratio per compressed byte is a compression bomb, even under the size limit', async () => {
    const gz = await zeroFileTarGz('bomb.bin', RATIO_FLOOR + 64 * MiB)
    expect(gz.length).toBeLessThan(MiB)
    await expect(extractTarStream(Readable.from([gz]), 'gzip', opts({}))).rejects.toMatchObject({
      code: 'ARCHIVE_TOO_LARGE', message: expect.stringContaining('compression bomb'), hint: expect.stringContaining('RUNNER_FEATURES_MAX_EXPANSION_RATIO'),
    })
    // Stopped within one write batch of the floor, never the whole file.
    expect(await bytesUnder(dest)).toBeLessThan(RATIO_FLOOR + 2 * MiB)
  })

  test('70,000 entries against a 60,000 entry limit: refused at entry 60,001', async () => {
    // Top-level names with strip 1 are counted but not written, which keeps the test fast; so does packing
    // 1,000 entries once and repeating them 70 times (the tar ends in two zero blocks, dropped and re-added).
    const thousand = (await tarOf(1000, (i) => `f${i}`)).subarray(0, -1024)
    const tarball = gzipSync(Buffer.concat([...Array.from({ length: 70 }, () => thousand), Buffer.alloc(1024)]))
    await expect(extractTarStream(Readable.from([tarball]), 'gzip', opts({ maxEntries: 60_000 }, 1))).rejects.toMatchObject({
      code: 'ARCHIVE_TOO_LARGE', message: expect.stringContaining('more than 60000 entries'), where: expect.stringMatching(/: f0$/),
      hint: expect.stringContaining('RUNNER_FEATURES_MAX_ARCHIVE_ENTRIES=120000'),
    })
  })

  test('entries written before the entry limit is reached are real files: it is checked while extracting', async () => {
    const tarball = gzipSync(await tarOf(20, (i) => `f${i}`, (i) => Buffer.from(`file ${i}`)))
    await expect(extractTarStream(Readable.from([tarball]), 'gzip', opts({ maxEntries: 10 }))).rejects.toMatchObject({ code: 'ARCHIVE_TOO_LARGE' })
    expect((await readdir(dest)).length).toBeLessThanOrEqual(10)
  })

  test('an archive at the limits extracts', async () => {
    const tarball = gzipSync(await tarOf(10, (i) => `f${i}`, () => Buffer.alloc(1000)))
    expect(await extractTarStream(Readable.from([tarball]), 'gzip', opts({ maxEntries: 10, maxExpandedBytes: 10_000 }))).toEqual({ files: 10, bytes: 10_000 })
  })
})

describe('zip: limits checked while extracting', () => {
  async function zipOf(files: Array<[string, Buffer]>): Promise<string> {
    const zip = new yazl.ZipFile()
    for (const [name, body] of files) zip.addBuffer(body, name, { mode: 0o100644 })
    zip.end()
    const chunks: Buffer[] = []
    for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk)
    const path = join(scratch, 'a.zip')
    await writeFile(path, Buffer.concat(chunks))
    return path
  }

  test('a zip of zeros that expands past the size limit is refused before the entry is written', async () => {
    const path = await zipOf([['small.txt', Buffer.from('ok')], ['zeros.bin', Buffer.alloc(32 * MiB)]])
    expect((await stat(path)).size).toBeLessThan(MiB)
    await expect(extractArchiveFile(path, 'zip', opts({ maxExpandedBytes: 4 * MiB }))).rejects.toMatchObject({ code: 'ARCHIVE_TOO_LARGE', where: expect.stringMatching(/: zeros\.bin$/) })
    expect(await bytesUnder(dest)).toBe(2)
  })

  test('a zip with more entries than the limit is refused from its central directory, before any entry', async () => {
    const path = await zipOf(Array.from({ length: 50 }, (_, i): [string, Buffer] => [`f${i}`, Buffer.from('x')]))
    await expect(extractArchiveFile(path, 'zip', opts({ maxEntries: 20 }))).rejects.toMatchObject({ code: 'ARCHIVE_TOO_LARGE', message: expect.stringContaining('holds 50 entries') })
    expect(await readdir(dest)).toEqual([])
  })

  test('many small entries add up: the size limit is on the whole archive, not per entry', async () => {
    const path = await zipOf(Array.from({ length: 10 }, (_, i): [string, Buffer] => [`z${i}`, Buffer.alloc(2 * MiB)]))
    await expect(extractArchiveFile(path, 'zip', opts({ maxExpandedBytes: 8 * MiB }))).rejects.toMatchObject({ code: 'ARCHIVE_TOO_LARGE', where: expect.stringMatching(/: z4$/) })
    expect(await bytesUnder(dest)).toBeLessThanOrEqual(8 * MiB)
  })
})
