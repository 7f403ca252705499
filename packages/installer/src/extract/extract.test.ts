import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { compressSync as xzSync } from '@napi-rs/lzma/xz'
import { RunnerError } from '@runner-features/core'
import tar from 'tar-stream'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import yazl from 'yazl'
import { extractArchiveFile, extractTarStream, type ExtractOptions } from './index.js'

/** One archive entry as the tests describe it; `body` only for files. */
interface Spec {
  name: string
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device'
  mode?: number
  linkname?: string
  body?: string | Buffer
}

/** A fresh sandbox per test: `root/a/b/dest` is the extraction dir, `root/victim` a file hostile archives aim at. */
let root: string
let dest: string
let scratch: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rf-extract-'))
  dest = join(root, 'a', 'b', 'dest')
  await mkdir(dest, { recursive: true })
  await writeFile(join(root, 'victim'), 'original')
  scratch = await mkdtemp(join(tmpdir(), 'rf-archives-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
  await rm(scratch, { recursive: true, force: true })
})

function opts(strip: number): ExtractOptions {
  return { dest, strip, source: 'test-archive' }
}

async function tarBuffer(entries: Spec[]): Promise<Buffer> {
  const pack = tar.pack()
  for (const e of entries) {
    const body = typeof e.body === 'string' ? Buffer.from(e.body) : e.body
    const type = e.type ?? 'file'
    const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), linkname: e.linkname }
    // No awaiting the entry callbacks: they fire only as the pack is read, which starts below.
    if (type === 'file') pack.entry(header, body ?? Buffer.alloc(0))
    else pack.entry(header)
  }
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const chunk of pack) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function zipFile(entries: Spec[], rename: Record<string, string> = {}): Promise<string> {
  const zip = new yazl.ZipFile()
  for (const e of entries) {
    if (e.type === 'directory') zip.addEmptyDirectory(e.name, { mode: 0o040000 | (e.mode ?? 0o755) })
    else if (e.type === 'symlink') zip.addBuffer(Buffer.from(e.linkname ?? ''), e.name, { mode: 0o120777 })
    else zip.addBuffer(Buffer.from(e.body ?? ''), e.name, { mode: 0o100000 | (e.mode ?? 0o644) })
  }
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk)
  let bytes = Buffer.concat(chunks)
  // yazl refuses hostile names, so they are written under a same-length stand-in and patched in.
  for (const [from, to] of Object.entries(rename)) {
    expect(from.length).toBe(to.length)
    bytes = Buffer.from(bytes.toString('latin1').replaceAll(from, to), 'latin1')
  }
  const path = join(scratch, 'archive.zip')
  await writeFile(path, bytes)
  return path
}

/**
 * Every path under `root` that is not inside `dest`: a clean extraction leaves exactly these. Walked
 * by hand, never descending into dest or through a symlink: `readdir({ recursive: true })` can follow
 * a hostile `up -> ..` link left inside dest and fail with ELOOP.
 */
async function outsideDest(): Promise<string[]> {
  const found: string[] = []
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel ? join(rel, e.name) : e.name
      found.push(path)
      if (e.isDirectory() && path !== join('a', 'b', 'dest')) await walk(path)
    }
  }
  await walk('')
  return found.sort()
}
const UNTOUCHED = ['a', 'a/b', 'a/b/dest', 'victim']

async function modeOf(rel: string): Promise<number> {
  return (await stat(join(dest, rel))).mode & 0o7777
}

describe('tar.gz', () => {
  const big = randomBytes(3 * 1024 * 1024 + 17) // above the in-memory threshold: takes the streaming path

  const entries: Spec[] = [
    { name: 'README-top-level', body: 'skipped by strip 1' },
    { name: 'pkg/', type: 'directory' },
    { name: 'pkg/bin/tool', mode: 0o755, body: '#!/bin/sh\necho tool\n' },
    { name: 'pkg/bin/suid', mode: 0o4755, body: 'setuid bit must go' },
    { name: 'pkg/bin/sticky-dir/', type: 'directory', mode: 0o1777 },
    { name: 'pkg/lib/deep/nested/file.txt', body: 'nested' },
    { name: 'pkg/bin/alias', type: 'symlink', linkname: 'tool' },
    { name: 'pkg/bin/npm', type: 'symlink', linkname: '../lib/deep/nested/file.txt' },
    { name: 'pkg/bin/tool-hardlink', type: 'link', linkname: 'pkg/bin/tool' },
    { name: 'pkg/share/empty', body: '' },
    { name: 'pkg/share/big.bin', body: big },
  ]

  test('extracts files, nested dirs, modes and in-archive links with strip 1', async () => {
    const stats = await extractTarStream(Readable.from([gzipSync(await tarBuffer(entries))]), 'gzip', opts(1))

    expect(stats).toEqual({ files: 8, bytes: '#!/bin/sh\necho tool\n'.length + 'setuid bit must go'.length + 'nested'.length + big.length })
    expect((await readdir(dest)).sort()).toEqual(['bin', 'lib', 'share'])
    expect(await readFile(join(dest, 'bin/tool'), 'utf8')).toBe('#!/bin/sh\necho tool\n')
    expect(await readFile(join(dest, 'lib/deep/nested/file.txt'), 'utf8')).toBe('nested')
    expect(await readFile(join(dest, 'share/empty'))).toHaveLength(0)
    expect((await readFile(join(dest, 'share/big.bin'))).equals(big)).toBe(true)

    expect((await modeOf('bin/tool')) & 0o111).not.toBe(0)
    expect(await modeOf('bin/suid')).toBe((await modeOf('bin/tool')) & 0o777) // exec kept, setuid gone
    expect((await modeOf('bin/sticky-dir')) & 0o7000).toBe(0)
    expect((await modeOf('lib/deep/nested/file.txt')) & 0o111).toBe(0)

    expect(await readlink(join(dest, 'bin/alias'))).toBe('tool')
    expect(await readlink(join(dest, 'bin/npm'))).toBe('../lib/deep/nested/file.txt')
    expect(await readFile(join(dest, 'bin/npm'), 'utf8')).toBe('nested')
    expect((await stat(join(dest, 'bin/tool-hardlink'))).ino).toBe((await stat(join(dest, 'bin/tool'))).ino)
    expect(await outsideDest()).toEqual(UNTOUCHED)
  })

  test('extracts the same archive from a file on disk (the download cache)', async () => {
    const path = join(scratch, 'a.tgz')
    await writeFile(path, gzipSync(await tarBuffer(entries)))
    const stats = await extractArchiveFile(path, 'tar.gz', opts(1))
    expect(stats.files).toBe(8)
    expect(await readlink(join(dest, 'bin/npm'))).toBe('../lib/deep/nested/file.txt')
  })

  test.each([
    ['truncated gzip', async (gz: Buffer) => gz.subarray(0, Math.floor(gz.length / 2))],
    ['not gzip at all', async () => Buffer.from('<html>404 not found</html>')],
    ['complete gzip of a truncated tar', async () => gzipSync((await tarBuffer(entries)).subarray(0, 5000))],
    ['tar cut inside a streamed file', async () => gzipSync((await tarBuffer(entries)).subarray(0, -100_000))],
    ['corrupt tar header', async () => gzipSync(Buffer.alloc(1024, 'x'))],
  ])('%s is ARCHIVE_UNSUPPORTED', async (_label, make) => {
    const input = Readable.from([await make(gzipSync(await tarBuffer(entries)))])
    await expect(extractTarStream(input, 'gzip', opts(1))).rejects.toMatchObject({ code: 'ARCHIVE_UNSUPPORTED', where: 'test-archive', hint: expect.any(String) })
    expect(input.destroyed).toBe(true)
  })

  test('an error of the input stream itself is passed through unchanged', async () => {
    const failure = new RunnerError('DOWNLOAD_FAILED', 'connection reset')
    const gz = gzipSync(await tarBuffer(entries))
    const input = new Readable({ read() {} })
    input.push(gz.subarray(0, 1000))
    setTimeout(() => input.destroy(failure), 100)
    await expect(extractTarStream(input, 'gzip', opts(1))).rejects.toBe(failure)
  })

  test.each([
    ['a file read into memory', 512 * 1024],
    ['a streamed file', 3 * 1024 * 1024],
  ])('an input that fails inside the data of %s still settles, with the input\'s error', async (_label, size) => {
    // Random bytes do not compress: 5,000 bytes of the gzip end inside the file's data.
    const gz = gzipSync(await tarBuffer([{ name: 'pkg/data.bin', body: randomBytes(size) }]))
    const failure = new RunnerError('DOWNLOAD_FAILED', 'connection reset')
    const input = new PassThrough()
    input.write(gz.subarray(0, 5000))
    setTimeout(() => input.destroy(failure), 100)
    await expect(extractTarStream(input, 'gzip', opts(1))).rejects.toBe(failure)
  })
})

describe('tar.xz', () => {
  const entries: Spec[] = [
    { name: 'python/bin/python3.12', mode: 0o755, body: 'ELF…' },
    { name: 'python/bin/python3', type: 'symlink', linkname: 'python3.12' },
    { name: 'python/lib/os.py', body: 'import sys\n' },
  ]

  async function check(stats: { files: number; bytes: number }): Promise<void> {
    expect(stats.files).toBe(3)
    expect((await modeOf('bin/python3.12')) & 0o111).not.toBe(0)
    expect(await readlink(join(dest, 'bin/python3'))).toBe('python3.12')
    expect(await readFile(join(dest, 'lib/os.py'), 'utf8')).toBe('import sys\n')
  }

  test('streams a tar.xz made by the library encoder', async () => {
    await check(await extractTarStream(Readable.from([xzSync(await tarBuffer(entries))]), 'xz', opts(1)))
  })

  test.skipIf(!hasXz())('reads a tar.xz made by the xz command, from disk', async () => {
    const path = join(scratch, 'a.tar.xz')
    await writeFile(path, execFileSync('xz', ['-c', '-6'], { input: await tarBuffer(entries) }))
    await check(await extractArchiveFile(path, 'tar.xz', opts(1)))
  })

  test('truncated xz is ARCHIVE_UNSUPPORTED', async () => {
    const xz = xzSync(await tarBuffer(entries))
    const input = Readable.from([xz.subarray(0, xz.length - 20)])
    await expect(extractTarStream(input, 'xz', opts(1))).rejects.toMatchObject({ code: 'ARCHIVE_UNSUPPORTED' })
    expect(input.destroyed).toBe(true)
  })
})

describe('zip', () => {
  test('keeps the exec bit of a single-binary zip (terraform)', async () => {
    const script = '#!/bin/sh\necho Terraform v1.9.8\n'
    const path = await zipFile([
      { name: 'terraform', mode: 0o755, body: script },
      { name: 'LICENSE.txt', body: 'MPL' },
    ])
    expect(await extractArchiveFile(path, 'zip', opts(0))).toEqual({ files: 2, bytes: script.length + 3 })
    expect((await modeOf('terraform')) & 0o111).not.toBe(0)
    expect((await modeOf('LICENSE.txt')) & 0o111).toBe(0)
  })

  test('strips, creates dirs, keeps symlinks and streams big entries', async () => {
    const big = randomBytes(2 * 1024 * 1024)
    const path = await zipFile([
      { name: 'tool-1.0/', type: 'directory' },
      { name: 'tool-1.0/bin/tool', mode: 0o4755, body: 'bin' },
      { name: 'tool-1.0/bin/t', type: 'symlink', linkname: 'tool' },
      { name: 'tool-1.0/data/blob', body: big },
    ])
    const stats = await extractArchiveFile(path, 'zip', opts(1))
    expect(stats).toEqual({ files: 3, bytes: 3 + big.length })
    expect(await readlink(join(dest, 'bin/t'))).toBe('tool')
    expect((await modeOf('bin/tool')) & 0o7000).toBe(0)
    expect((await modeOf('bin/tool')) & 0o111).not.toBe(0)
    expect((await readFile(join(dest, 'data/blob'))).equals(big)).toBe(true)
  })

  test('corrupt deflate data is ARCHIVE_UNSUPPORTED', async () => {
    const path = await zipFile([{ name: 'data.txt', body: 'runner-features '.repeat(10_000) }])
    const bytes = await readFile(path)
    const start = 30 + bytes.readUInt16LE(26) + bytes.readUInt16LE(28) // local header, name, extra field
    bytes.fill(0xff, start + 2, start + 40)
    await writeFile(path, bytes)
    await expect(extractArchiveFile(path, 'zip', opts(0))).rejects.toMatchObject({ code: 'ARCHIVE_UNSUPPORTED' })
  })

  test('a damaged zip is ARCHIVE_UNSUPPORTED', async () => {
    const path = join(scratch, 'bad.zip')
    await writeFile(path, 'PK\u0003\u0004 this is not really a zip')
    await expect(extractArchiveFile(path, 'zip', opts(0))).rejects.toMatchObject({ code: 'ARCHIVE_UNSUPPORTED' })
  })
})

describe('file', () => {
  test('copies the download to dest/fileName with mode 0755', async () => {
    const path = join(scratch, 'jq-linux-amd64')
    await writeFile(path, 'ELF jq', { mode: 0o600 })
    expect(await extractArchiveFile(path, 'file', { ...opts(0), fileName: 'jq' })).toEqual({ files: 1, bytes: 6 })
    expect(await modeOf('jq')).toBe(0o755)
    expect(await readFile(join(dest, 'jq'), 'utf8')).toBe('ELF jq')
  })

  test.each([undefined, '', '../jq', 'bin/jq'])('fileName %j is refused', async (fileName) => {
    const path = join(scratch, 'jq')
    await writeFile(path, 'x')
    await expect(extractArchiveFile(path, 'file', { ...opts(0), fileName })).rejects.toMatchObject({ code: 'PLUGIN_INVALID' })
  })
})

describe('hostile archives are ARCHIVE_UNSAFE and write nothing outside dest', () => {
  // Functions of `root`, so absolute names can aim at this test's own sandbox.
  const tarCases: [string, number, RegExp, () => Spec[]][] = [
    ['../evil', 0, /"\.\." segment/, () => [{ name: '../evil', body: 'x' }]],
    ['/etc/evil', 0, /absolute path/, () => [{ name: '/etc/evil', body: 'x' }]],
    ['absolute path onto the victim', 0, /absolute path/, () => [{ name: join(root, 'victim'), body: 'pwned' }]],
    ['a/../../evil', 0, /"\.\." segment/, () => [{ name: 'a/../../evil', body: 'x' }]],
    ['.. hidden behind strip', 1, /"\.\." segment/, () => [{ name: 'pkg/../../../evil', body: 'x' }]],
    ['symlink to /etc/passwd', 0, /points to the absolute path \/etc\/passwd/, () => [{ name: 'passwd', type: 'symlink', linkname: '/etc/passwd' }]],
    ['absolute symlink onto the victim, then written', 0, /absolute path/, () => [
      { name: 'v', type: 'symlink', linkname: join(root, 'victim') },
      { name: 'v', body: 'pwned' },
    ]],
    ['symlink up -> ../.. then a file through it', 0, /outside the extraction directory/, () => [
      { name: 'up', type: 'symlink', linkname: '../..' },
      { name: 'up/evil', body: 'x' },
    ]],
    ['evil -> .. then evil/x', 1, /through the symlink d\/evil/, () => [
      { name: 'pkg/d/evil', type: 'symlink', linkname: '..' },
      { name: 'pkg/d/evil/x', body: 'x' },
    ]],
    ['symlink through an earlier symlink (a/l -> .., a/l/m -> ..)', 0, /through the symlink a\/l/, () => [
      { name: 'a/l', type: 'symlink', linkname: '..' },
      { name: 'a/l/m', type: 'symlink', linkname: '..' },
      { name: 'a/l/m/evil', body: 'x' },
    ]],
    ['symlink target that climbs through another symlink', 0, /after a directory name/, () => [
      { name: 'd/up', type: 'symlink', linkname: '..' },
      { name: 'e', type: 'symlink', linkname: 'd/up/..' },
      { name: 'e/evil', body: 'x' },
    ]],
    ['hardlink to ../../../victim', 0, /hardlink target .*"\.\." segment/, () => [
      { name: 'hl', type: 'link', linkname: '../../../victim' },
      { name: 'hl', body: 'pwned' },
    ]],
    ['hardlink to the absolute victim', 0, /hardlink target .*absolute path/, () => [
      { name: 'hl', type: 'link', linkname: join(root, 'victim') },
      { name: 'hl', body: 'pwned' },
    ]],
    ['hardlink re-homing a symlink', 0, /under the symlink x\/y\/l/, () => [
      { name: 'x/y/l', type: 'symlink', linkname: '../../victim' },
      { name: 'top', type: 'link', linkname: 'x/y/l' },
    ]],
    ['fifo', 0, /is a fifo/, () => [{ name: 'pipe', type: 'fifo' }]],
    ['character device', 0, /is a character-device/, () => [{ name: 'null', type: 'character-device' }]],
  ]

  test.each(tarCases)('tar.gz: %s', async (_label, strip, reason, entries) => {
    const input = Readable.from([gzipSync(await tarBuffer(entries()))])
    const error = await extractTarStream(input, 'gzip', opts(strip)).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ name: 'RunnerError', code: 'ARCHIVE_UNSAFE', where: expect.stringMatching(/^test-archive: /), hint: expect.any(String) })
    expect((error as Error).message).toMatch(reason)
    expect(input.destroyed).toBe(true)
    expect(await outsideDest()).toEqual(UNTOUCHED)
    expect(await readFile(join(root, 'victim'), 'utf8')).toBe('original')
    expect(await lstat('/etc/evil').catch(() => undefined)).toBeUndefined()
  })

  const zipCases: [string, Spec[], Record<string, string>][] = [
    ['../evil', [{ name: 'XX/evil', body: 'x' }], { 'XX/evil': '../evil' }],
    ['..\\evil (backslash)', [{ name: 'XX_evil', body: 'x' }], { 'XX_evil': '..\\evil' }],
    ['/etc/evil', [{ name: 'Xetc/evil', body: 'x' }], { 'Xetc/evil': '/etc/evil' }],
    ['symlink up -> ../../.. then a file through it', [
      { name: 'up', type: 'symlink', linkname: '../../..' },
      { name: 'up/victim', body: 'pwned' },
    ], {}],
    ['symlink to /etc/passwd', [{ name: 'passwd', type: 'symlink', linkname: '/etc/passwd' }], {}],
  ]

  test.each(zipCases)('zip: %s', async (_label, entries, rename) => {
    const path = await zipFile(entries, rename)
    await expect(extractArchiveFile(path, 'zip', opts(0))).rejects.toMatchObject({ code: 'ARCHIVE_UNSAFE' })
    expect(await outsideDest()).toEqual(UNTOUCHED)
    expect(await readFile(join(root, 'victim'), 'utf8')).toBe('original')
  })
})

function hasXz(): boolean {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
