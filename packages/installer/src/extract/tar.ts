import { Readable, type Duplex } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { isRunnerError } from '@runner-features/core'
import tar from 'tar-stream'
import type { ExtractOptions, ExtractStats } from './types.js'
import { ExtractWriter, SMALL_FILE, unreadable } from './writer.js'

/**
 * zlib's output chunk size. Each chunk is one round trip to libuv's thread pool and one new
 * ArrayBuffer (GC pressure): at the default 16 KiB, gunzip of the 190 MB Node tarball took ~900 ms;
 * at 256 KiB ~450 ms. 1 MiB cut the whole extraction's CPU time (process.cpuUsage, into tmpfs) from
 * a median ~755 ms to ~675 ms against 256 KiB on the same loaded VM; memory stays bounded (a few MiB).
 */
const GUNZIP_CHUNK = 1 << 20

/**
 * Streams a tar.gz / tar.xz from `input` (e.g. the download stream, while it is also being hashed) into
 * `opts.dest`. Resolves after every file is written and the whole input was read. Rejects with
 * `ARCHIVE_UNSAFE` (hostile entry), `ARCHIVE_UNSUPPORTED` (not a readable archive of that kind), the
 * input's own error, or an I/O error; on rejection `input` is destroyed and no write is still running.
 */
export async function extractTarStream(input: NodeJS.ReadableStream | Readable, compression: 'gzip' | 'xz', opts: ExtractOptions): Promise<ExtractStats> {
  const kind = compression === 'gzip' ? 'tar.gz' : 'tar.xz'
  const source = input instanceof Readable ? input : new Readable().wrap(input)
  let inflate: Duplex
  try {
    inflate = compression === 'gzip' ? createGunzip({ chunkSize: GUNZIP_CHUNK }) : await xzDecompressor()
  } catch (error) {
    source.destroy()
    throw error
  }
  const parser = tar.extract()
  const writer = new ExtractWriter(opts)
  let current: Promise<void> = Promise.resolve()
  /** The entry being read: destroyed on failure, else a reader waiting on its data would wait forever. */
  let entryStream: EntryStream | undefined
  let settled = false

  return new Promise<ExtractStats>((resolve, reject) => {
    const fail = (error: unknown): void => {
      if (settled) return
      settled = true
      writer.abort(error)
      source.unpipe(inflate)
      source.destroy()
      inflate.destroy()
      parser.destroy()
      // tar-stream does not end an entry's stream when the parser is destroyed mid-entry (input cut,
      // disk full): without this the entry's reader never settles, nor does this promise.
      if (entryStream) {
        entryStream.on('error', () => undefined) // its reader reports through `current`; this copy needs no listener
        entryStream.destroy(error instanceof Error ? error : new Error(String(error)))
      }
      // Reject only once nothing is writing any more: the caller deletes `dest` next.
      const quiet = (): void => undefined
      void current.then(quiet, quiet).then(() => writer.settle()).then(quiet, quiet).then(() => reject(error))
    }
    source.on('error', fail)
    inflate.on('error', (error) => fail(unreadable(kind, opts.source, error)))
    // The parser's own errors, and the same errors seen through an entry's stream, mean "not a readable tar";
    // our RunnerErrors and filesystem errors (they have a `syscall`) pass through.
    const classify = (error: unknown): unknown => (isRunnerError(error) || (error as NodeJS.ErrnoException).syscall ? error : unreadable(kind, opts.source, error))
    parser.on('error', (error) => fail(classify(error)))
    parser.on('entry', (header, stream, next) => {
      entryStream = stream
      current = tarEntry(writer, header, stream)
      current.then(() => {
        entryStream = undefined
        next()
      }, (error: unknown) => fail(classify(error)))
    })
    parser.on('finish', () => {
      current.then(() => writer.settle()).then(() => {
        if (settled) return
        settled = true
        resolve(writer.stats)
      }, (error: unknown) => fail(classify(error)))
    })
    // tar-stream's parser is a streamx Writable: pipe-compatible, though not typed as a Node stream.
    source.pipe(inflate).pipe(parser as unknown as NodeJS.WritableStream)
    // Compressed bytes read, for the expansion-ratio limit (a second 'data' listener does not change the pipe's flow control).
    source.on('data', (chunk: Buffer) => {
      writer.compressed += chunk.length
    })
  })
}

/** tar-stream's per-entry data stream (a streamx Readable). */
type EntryStream = tar.ExtractEvents['entry'][1]

async function tarEntry(writer: ExtractWriter, header: tar.Header, stream: EntryStream): Promise<void> {
  const name = header.name
  const size = header.size ?? 0
  const isFile = header.type === 'file' || header.type === 'contiguous-file'
  writer.entry(name, isFile ? size : 0)
  switch (header.type) {
    case 'file':
    case 'contiguous-file': {
      const rel = writer.path(name)
      if (rel === null) return drain(stream, size)
      if (size > SMALL_FILE) return writer.fileStream(rel, name, header.mode, stream as AsyncIterable<Buffer>)
      return writer.file(rel, name, header.mode, size === 0 ? Buffer.alloc(0) : await collect(stream, size))
    }
    case 'directory': {
      const rel = writer.path(name)
      // tar-stream never feeds a directory's stream, whatever its size says: nothing to drain.
      if (rel !== null) await writer.directory(rel, name, header.mode)
      return
    }
    case 'symlink': {
      const rel = writer.path(name)
      if (rel !== null) await writer.symlink(rel, name, header.linkname)
      return drain(stream, size)
    }
    case 'link': {
      const rel = writer.path(name)
      if (rel !== null) await writer.hardlink(rel, name, header.linkname)
      return drain(stream, size)
    }
    case 'character-device':
    case 'block-device':
    case 'fifo':
      throw writer.unsafe(name, `the entry is a ${header.type}`)
    default:
      throw writer.unsupported(name, `tar entry type ${String(header.type)} is not supported`)
  }
}

function collect(stream: EntryStream, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk) => chunks.push(chunk as Buffer))
    stream.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)))
    stream.on('error', reject)
  })
}

/** Reads past an entry's data (an entry that `strip` skips, or a link that carries some). */
function drain(stream: EntryStream, size: number): Promise<void> {
  // tar-stream does not wait on an entry without data, so there is nothing to read (saves ticks on every directory).
  if (size === 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('error', reject)
    stream.resume()
  })
}

/**
 * The xz decoder: `@napi-rs/lzma`'s streaming `createDecompressStream()`.
 *
 * Why this one, of the three that install from the npm registry alone:
 * - `@napi-rs/lzma` (chosen): a native decoder (pure-Rust lzma-rust2) shipped as per-platform npm
 *   packages (`@napi-rs/lzma-linux-x64-gnu`, `-linux-x64-musl`, `-linux-arm64-gnu`, … and a wasm
 *   fallback) picked through optionalDependencies: no install script, nothing fetched from GitHub.
 *   It streams with backpressure and decodes off the JS thread. A 31 MB .tar.xz of the Node 24.21
 *   tarball (made by `xz -6`) decoded in ~2.5 s (the `xz` command: ~1.9 s). Its `Decompressor` class
 *   is not used: it reads ahead without backpressure and handed back 183 MB in `finish()`.
 * - `xz-decompress` (wasm, WHATWG streams): portable, but ~3.5-5 s on the same file.
 * - `lzma-native` (liblzma bindings): ~5.5 s here; its install script (node-gyp-build) is blocked by
 *   this workspace's `onlyBuiltDependencies`, and its bundled prebuilds cover six platforms, no musl.
 */
async function xzDecompressor(): Promise<Duplex> {
  const { createDecompressStream } = await import('@napi-rs/lzma/xz')
  return createDecompressStream()
}
