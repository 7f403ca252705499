import type { Readable } from 'node:stream'
import { createInflateRaw } from 'node:zlib'
import { isRunnerError } from '@runner-features/core'
import yauzl from 'yauzl'
import type { ExtractOptions, ExtractStats } from './types.js'
import { ExtractWriter, SMALL_FILE, unreadable } from './writer.js'

const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
const SPECIAL: Record<number, string> = { 0o010000: 'fifo', 0o020000: 'character-device', 0o060000: 'block-device', 0o140000: 'socket' }
/** Longest symlink target accepted (PATH_MAX); a bigger "symlink" entry is not one. */
const MAX_LINK = 4096
const STORED = 0
const DEFLATED = 8
/** zlib output chunk: see GUNZIP_CHUNK in tar.ts. */
const INFLATE_CHUNK = 256 << 10
/** `versionMadeBy` high byte for Unix: only then does `externalFileAttributes` carry a mode. */
const MADE_BY_UNIX = 3

/**
 * yauzl's documented low-level name decoder (CP437 or UTF-8, Info-ZIP unicode path field, `\` → `/`).
 * We decode names ourselves (`decodeStrings: false`) so that unsafe names become `ARCHIVE_UNSAFE`
 * from our own rules rather than a generic yauzl error. Missing from @types/yauzl 2.x.
 */
const decodeName = (yauzl as unknown as { getFileNameLowLevel(flags: number, name: Buffer, extraFields: unknown, strict: boolean): string }).getFileNameLowLevel

/** Extracts a zip file (zip needs random access, so it is a file, not a stream). Unix modes and symlinks are honoured. */
export async function extractZipFile(path: string, opts: ExtractOptions): Promise<ExtractStats> {
  const zip = await openZip(path, opts.source)
  // yauzl reports errors while `nextEntry` waits for them; this listener only keeps a stray one from crashing the process.
  zip.on('error', () => undefined)
  const writer = new ExtractWriter(opts)
  try {
    writer.entryCount(zip.entryCount, '(central directory)')
    for (let entry = await nextEntry(zip, opts.source); entry; entry = await nextEntry(zip, opts.source)) {
      await zipEntry(zip, writer, entry, opts.source)
    }
    await writer.settle()
    return writer.stats
  } catch (error) {
    await writer.settle().catch(() => undefined)
    throw error
  } finally {
    zip.close()
  }
}

async function zipEntry(zip: yauzl.ZipFile, writer: ExtractWriter, entry: yauzl.Entry, source: string): Promise<void> {
  const name = decodeName(entry.generalPurposeBitFlag, entry.fileName as unknown as Buffer, entry.extraFields, false)
  writer.compressed += entry.compressedSize
  writer.entry(name, entry.uncompressedSize)
  const unix = entry.versionMadeBy >>> 8 === MADE_BY_UNIX ? entry.externalFileAttributes >>> 16 : 0
  const type = unix & S_IFMT
  const special = SPECIAL[type]
  if (special) throw writer.unsafe(name, `the entry is a ${special}`)
  const rel = writer.path(name)
  if (rel === null) return
  const perms = unix & 0o777
  if (type === S_IFDIR || name.endsWith('/')) return writer.directory(rel, name, perms || undefined)
  if (type === S_IFLNK) {
    if (entry.uncompressedSize > MAX_LINK) throw writer.unsupported(name, `the symlink entry is ${entry.uncompressedSize} bytes long`)
    return writer.symlink(rel, name, (await readAll(zip, entry, source, name)).toString('utf8'))
  }
  if (type !== 0 && type !== S_IFREG) throw writer.unsupported(name, `zip entry mode ${type.toString(8)} is not supported`)
  const mode = perms || 0o644
  if (entry.uncompressedSize > SMALL_FILE) return writer.fileStream(rel, name, mode, content(await openEntry(zip, entry, source, name), entry, source, name))
  return writer.file(rel, name, mode, await readAll(zip, entry, source, name))
}

function openZip(path: string, source: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (error, zip) => {
      // An error with a `code` is the filesystem's (ENOENT, EACCES); the rest are yauzl's format errors.
      if (error) reject((error as NodeJS.ErrnoException).code ? error : unreadable('zip', source, error))
      else resolve(zip)
    })
  })
}

function nextEntry(zip: yauzl.ZipFile, source: string): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      zip.off('entry', onEntry)
      zip.off('end', onEnd)
      zip.off('error', onError)
    }
    const onEntry = (entry: yauzl.Entry): void => {
      done()
      resolve(entry)
    }
    const onEnd = (): void => {
      done()
      resolve(undefined)
    }
    const onError = (error: Error): void => {
      done()
      reject(unreadable('zip', source, error))
    }
    zip.on('entry', onEntry)
    zip.on('end', onEnd)
    zip.on('error', onError)
    zip.readEntry()
  })
}

/**
 * The entry's decompressed bytes. yauzl reads the raw data (`decodeFileData: false`) and we inflate it
 * ourselves: yauzl's own inflater uses zlib's 16 KiB default chunk, one thread-pool round trip per 16 KiB,
 * which made a 120 MB binary take twice as long as `unzip`. Sizes are checked as yauzl's
 * `validateEntrySizes` would (that option only covers yauzl's own inflater).
 */
function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, source: string, name: string): Promise<Readable> {
  if (entry.isEncrypted()) return Promise.reject(unreadable('zip', source, new Error(`${name} is encrypted`)))
  const method = entry.compressionMethod
  if (method !== STORED && method !== DEFLATED) return Promise.reject(unreadable('zip', source, new Error(`${name} uses compression method ${method}; only stored and deflate are supported`)))
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, { decodeFileData: false } as unknown as yauzl.ZipFileOptions, (error, raw) => {
      if (error) return reject(unreadable('zip', source, error))
      if (method === STORED) return resolve(raw)
      const inflate = createInflateRaw({ chunkSize: INFLATE_CHUNK })
      raw.on('error', (err) => inflate.destroy(err))
      inflate.on('close', () => raw.destroy()) // releases yauzl's hold on the fd if we stop early
      resolve(raw.pipe(inflate))
    })
  })
}

/** The entry's bytes, checked against its declared size; a read or inflate error becomes `ARCHIVE_UNSUPPORTED`. */
async function* content(stream: Readable, entry: yauzl.Entry, source: string, name: string): AsyncGenerator<Buffer> {
  let size = 0
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length
      if (size > entry.uncompressedSize) break
      yield chunk as Buffer
    }
  } catch (error) {
    throw isRunnerError(error) ? error : unreadable('zip', source, error)
  } finally {
    stream.destroy()
  }
  if (size !== entry.uncompressedSize) throw unreadable('zip', source, new Error(`${name} holds ${size > entry.uncompressedSize ? 'more' : 'fewer'} bytes than its declared ${entry.uncompressedSize}`))
}

async function readAll(zip: yauzl.ZipFile, entry: yauzl.Entry, source: string, name: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of content(await openEntry(zip, entry, source, name), entry, source, name)) chunks.push(chunk)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}
