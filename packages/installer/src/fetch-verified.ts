import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { PassThrough, Transform, Writable, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  RunnerError, archiveLimits, fsError, isRunnerError, redactUrl, type ArchiveLimits, type Artifact, type Logger,
} from '@runner-features/core'
import { downloadTmpPath, sweepDownloadTmpOnce } from './download-tmp.js'
import { extractArchiveFile, extractTarStream, type ExtractStats } from './extract/index.js'
import type { OpenedDownload } from './http.js'

export interface Progress {
  received: number
  total?: number
}

export interface FetchOptions {
  /** Opens a download: the body stream, its Content-Length, and where it really came from (redacted). */
  http: { open(url: string): Promise<OpenedDownload> }
  /** Download cache root; files live at `<cacheDir>/downloads/sha256/<hex>`. */
  cacheDir: string
  /** Empty staging directory to extract into. */
  dest: string
  onProgress?: (p: Progress) => void
  /** Per-archive limits (`archiveLimits(env, config.limits)`); default: from the environment of this process. */
  limits?: ArchiveLimits
  /** Told when a cached file turns out damaged and is fetched again (a `warn` line). */
  logger?: Pick<Logger, 'warn'>
}

export interface FetchResult extends ExtractStats {
  /** True when the bytes came from the download cache (no request made). */
  fromCache: boolean
  size: number
  fetchedFrom: string
}

export const SHA256_RE = /^[0-9a-f]{64}$/

/** Content-addressed cache path for a verified file. */
export function cachedPath(cacheDir: string, sha256: string): string {
  return join(cacheDir, 'downloads', 'sha256', sha256)
}

/**
 * A cached file that does not hash to its name: deleted (by {@link fetchOne}) and to be fetched
 * again. Whatever its extraction wrote into `dest` must go first, so the caller empties `dest`.
 */
export class DamagedCacheEntry extends Error {
  constructor(readonly sha256: string, cause: unknown) {
    super(`cached download ${sha256} is damaged`, { cause })
  }
}

/**
 * Fetches an artifact, verifies its sha256 and extracts it into `dest` in one streaming pass:
 * bytes flow network → hash → cache temp file, and → gunzip → untar, so a 47 MB tarball is read
 * once. Extraction into the (invisible) staging dir runs ahead of the final hash check; on a
 * mismatch the caller discards the staging dir and the temp file is deleted, never renamed into
 * the cache. A cached file is re-hashed as it is extracted; if it no longer matches, it is deleted,
 * `dest` emptied and the file fetched once more (self-healing cache) before anything is reported.
 *
 * Every stream of the pass (body, hash tap, cache writer, decompressor, tar parser, file writers)
 * reports into one rejection, only after nothing is writing any more: `DISK_FULL` and
 * `PERMISSION_DENIED` for the disk, `ARCHIVE_*` for the archive, `CHECKSUM_MISMATCH`, or the
 * download's own `DOWNLOAD_FAILED`. No partial download is left in the cache's tmp dir.
 */
export async function fetchVerifiedAndExtract(artifact: Artifact, options: FetchOptions): Promise<FetchResult> {
  try {
    return await fetchOne(artifact, options)
  } catch (err) {
    if (!(err instanceof DamagedCacheEntry)) throw err
    await emptyDir(options.dest)
    return fetchOne(artifact, options, { skipCache: true })
  }
}

/** The sha256 an artifact must have, lower-cased; `CHECKSUM_MISSING` when it has none. */
export function expectedSha256(artifact: Artifact, hint = 'runner-features never installs an unverified file; the plugin must declare a sha256'): string {
  const expected = artifact.sha256.toLowerCase()
  if (SHA256_RE.test(expected)) return expected
  if (artifact.trustOnFirstUse) {
    // The upstream publishes no digest: only a lock made by `runner features lock` pins one.
    throw new RunnerError('CHECKSUM_MISSING', `the upstream publishes no sha256 for ${redactUrl(artifact.url)} and no lock pins one`, {
      where: artifact.checksumSource,
      hint: 'add the feature to the team config and run `runner features lock` (it downloads the file once and records its sha256), then install from that lock',
    })
  }
  throw new RunnerError('CHECKSUM_MISSING', `no valid sha256 for ${redactUrl(artifact.url)} ("${artifact.sha256}")`, { where: artifact.checksumSource, hint })
}

/**
 * One artifact, from the cache when it holds it (else the network). Throws {@link DamagedCacheEntry}
 * after deleting a cached file that fails its hash; `skipCache` goes to the network directly.
 */
export async function fetchOne(artifact: Artifact, options: FetchOptions, { skipCache = false } = {}): Promise<FetchResult> {
  const expected = expectedSha256(artifact)
  await sweepDownloadTmpOnce(options.cacheDir)
  const final = cachedPath(options.cacheDir, expected)
  const cachedSize = skipCache ? undefined : await stat(final).then((s) => s.size, () => undefined)
  if (cachedSize !== undefined) {
    try {
      const stats = await verifyAndExtract(artifact, options, expected, {
        body: createReadStream(final, { highWaterMark: 256 << 10 }), from: `${final} (download cache)`, total: cachedSize, file: final,
      })
      return { ...stats, fromCache: true, size: cachedSize, fetchedFrom: final }
    } catch (err) {
      if (isRunnerError(err) && err.code === 'CHECKSUM_MISMATCH') {
        options.logger?.warn(`${final}: the cached download of ${redactUrl(artifact.url)} no longer has its sha256 (${String(err.details?.actual)}); deleted it, fetching it again`)
      } else if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (err as NodeJS.ErrnoException).path !== final) {
        // ENOENT: another process removed it (healing it) between our stat and open; fetch it like them.
        throw err
      }
      await rm(final, { force: true }).catch((rmErr: unknown) => {
        throw fsError(rmErr, { action: 'removing a damaged file from the download cache', path: final, kind: 'download cache' })
      })
      throw new DamagedCacheEntry(expected, err)
    }
  }

  const tmp = downloadTmpPath(options.cacheDir, expected)
  await makeDir(join(options.cacheDir, 'downloads', 'tmp'))
  await makeDir(join(options.cacheDir, 'downloads', 'sha256'))
  try {
    const opened = await options.http.open(artifact.url)
    const total = opened.size ?? artifact.size
    // contentLength is read once the body ended: the HTTP layer corrects a too-long first Content-Length.
    const stats = await verifyAndExtract(artifact, options, expected, { body: opened.body, from: opened.fetchedFrom, total, get contentLength() { return opened.size }, storeTo: tmp, file: tmp })
    // Only now, hashed and extracted, does the file enter the cache (atomically: a rename).
    await rename(tmp, final).catch((err: unknown) => {
      throw fsError(err, { action: 'moving the verified download into the cache', path: final, kind: 'download cache' })
    })
    return { ...stats, fromCache: false, size: stats.received, fetchedFrom: opened.fetchedFrom }
  } finally {
    await rm(tmp, { force: true }).catch(() => undefined)
  }
}

interface Source {
  body: Readable
  /** For messages: the URL fetched (redacted) or the cache file. */
  from: string
  /** Expected byte count, for progress. */
  total?: number
  /** The server's Content-Length: fewer bytes than this is a truncated download. */
  contentLength?: number
  /** Where to store the bytes as they pass (the download's temp file). */
  storeTo?: string
  /** The bytes as a file once read through (zip and `file` are extracted from it). */
  file: string
}

/** Archive errors that, on bytes that do not match the checksum, are better reported as CHECKSUM_MISMATCH. */
const ARCHIVE_ERRORS = new Set(['ARCHIVE_UNSUPPORTED', 'ARCHIVE_UNSAFE', 'ARCHIVE_TOO_LARGE'])
const isArchiveError = (err: unknown): boolean => isRunnerError(err) && ARCHIVE_ERRORS.has(err.code)

/**
 * Reads `src.body` to its end through one pipeline: body → tap (hash, progress, feed the tar
 * extractor) → cache temp file (or nowhere). The tar extractor reads from its own PassThrough so
 * that when it fails on an archive error the tap goes on hashing the rest: on bytes that are not
 * the published ones, CHECKSUM_MISMATCH (with the archive error as its cause) is what to report.
 * Any other failure (disk, network, permissions) aborts everything at once. Resolves or rejects
 * only when both the pipeline and the extractor are done.
 */
async function verifyAndExtract(artifact: Artifact, options: FetchOptions, expected: string, src: Source): Promise<ExtractStats & { received: number }> {
  const limits = options.limits ?? archiveLimits(process.env)
  const extractOpts = { dest: options.dest, strip: artifact.strip, source: redactUrl(artifact.url), fileName: artifact.fileName, limits }
  const hash = createHash('sha256')
  const abort = new AbortController()
  let failure: { error: unknown } | undefined
  const fail = (error: unknown): void => {
    failure ??= { error }
    abort.abort(error)
  }

  let received = 0
  let lastReport = 0
  const report = (): void => {
    if (options.onProgress && (received - lastReport > 1 << 20 || received === src.total)) {
      lastReport = received
      options.onProgress({ received, total: src.total })
    }
  }

  const streaming = artifact.archive === 'tar.gz' || artifact.archive === 'tar.xz'
  const toExtractor = streaming ? new PassThrough({ highWaterMark: 1 << 20 }) : undefined
  let feeding = streaming
  let unblock: (() => void) | undefined
  let archiveError: unknown
  const extraction = toExtractor
    ? extractTarStream(toExtractor, artifact.archive === 'tar.gz' ? 'gzip' : 'xz', extractOpts).then(
        (stats) => {
          feeding = false
          unblock?.()
          return stats
        },
        (error: unknown) => {
          feeding = false
          unblock?.()
          if (isArchiveError(error)) archiveError = error
          else fail(error)
          return undefined
        },
      )
    : Promise.resolve(undefined)

  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      received += chunk.length
      report()
      if (!feeding || toExtractor!.write(chunk)) return done(null, chunk)
      // Backpressure from the extractor; released early if it stops reading (failed or finished).
      const release = (): void => {
        toExtractor!.off('drain', release)
        toExtractor!.off('close', release)
        unblock = undefined
        done(null, chunk)
      }
      unblock = release
      toExtractor!.once('drain', release)
      toExtractor!.once('close', release)
    },
    flush(done) {
      if (feeding) toExtractor!.end()
      done()
    },
    destroy(error, done) {
      // On a failure the extractor must stop too (it rejects once nothing is writing any more). On
      // success (autoDestroy) it is left alone: it may still be reading what the tap passed it.
      if (error) {
        failure ??= { error }
        toExtractor?.destroy(error)
      }
      done(error)
    },
  })
  // Which end failed first: the pipeline passes the first error on to every other stream it
  // destroys, so the same error object later comes out of the others too.
  let bodyError: unknown
  let storeError: unknown
  src.body.once('error', (error: unknown) => {
    if (bodyError === undefined && storeError === undefined) bodyError = error
  })
  const store = src.storeTo ? createWriteStream(src.storeTo, { flags: 'wx' }) : discard()
  store.on('error', (error: Error) => {
    if (bodyError === undefined && storeError === undefined) storeError = error
  })

  const reading = pipeline(src.body, tap, store, { signal: abort.signal }).catch((error: unknown) => {
    failure ??= { error }
  })
  const [stats] = await Promise.all([extraction, reading])

  if (failure) {
    throw classify(failure.error, { artifact, src, storeError, bodyError, received, options })
  }
  if (src.contentLength !== undefined && received < src.contentLength) {
    throw new RunnerError('DOWNLOAD_FAILED', `the connection ended after ${received} of ${src.contentLength} bytes`, {
      where: src.from,
      hint: 'the server or a proxy cut the download short; nothing was installed or cached. Retry; if it persists, check the mirror',
    })
  }
  const actual = hash.digest('hex')
  if (archiveError) {
    if (actual !== expected) throw Object.assign(mismatch(actual, expected, artifact, src.from), { cause: archiveError })
    throw archiveError
  }
  verify(actual, expected, artifact, src.from)
  if (stats) return { ...stats, received }
  // zip needs random access and `file` is a copy: the whole file is verified above, then extracted.
  try {
    return { ...(await extractArchiveFile(src.file, artifact.archive, extractOpts)), received }
  } catch (error) {
    throw fsError(error, { action: `extracting ${redactUrl(artifact.url)}`, path: options.dest, kind: 'tool cache' })
  }
}

/** Names the disk or permission problem by the stream it came from: the cache temp file, or the staging dir. */
function classify(error: unknown, ctx: { artifact: Artifact; src: Source; storeError: unknown; bodyError: unknown; received: number; options: FetchOptions }): unknown {
  const { artifact, src, storeError, options } = ctx
  const url = redactUrl(artifact.url)
  if (storeError !== undefined && error === storeError) {
    const needed = src.contentLength ?? artifact.size
    return fsError(storeError, { action: `downloading ${url} into the download cache`, path: src.storeTo, kind: 'download cache', needed })
  }
  if (ctx.bodyError !== undefined && error === ctx.bodyError && !isRunnerError(error) && src.storeTo) {
    // The HTTP client's own errors are coded; a raw socket error (a reset the client did not wrap) is named here.
    const e = error as NodeJS.ErrnoException
    return new RunnerError('DOWNLOAD_FAILED', `the download broke off after ${ctx.received} bytes: ${e.message}${e.code ? ` (${e.code})` : ''}`, {
      where: src.from,
      hint: 'the connection was reset or closed early; nothing was installed or cached. Retry; if it persists, check the mirror or proxy',
      cause: error,
    })
  }
  if ((error as NodeJS.ErrnoException)?.path === src.file) return fsError(error, { action: `reading ${url} from the download cache`, kind: 'download cache' })
  return fsError(error, { action: `extracting ${url}`, path: (error as NodeJS.ErrnoException)?.path ?? options.dest, kind: 'tool cache' })
}

/** A sink for the bytes when nothing needs to keep them (extracting from the cache file). */
function discard(): Writable {
  return new Writable({
    write(_chunk, _enc, done) {
      done()
    },
  })
}

/**
 * `mkdir -p` with the real reason on failure: a recursive mkdir reports ENOENT when a missing parent
 * cannot be created on a read-only or forbidden file system, so the first missing one is retried
 * alone to surface EROFS / EACCES, which become PERMISSION_DENIED (ENOSPC: DISK_FULL).
 */
async function makeDir(dir: string): Promise<void> {
  const fail = (err: unknown, path: string): unknown => fsError(err, { action: 'creating the download cache', path, kind: 'download cache' })
  try {
    await mkdir(dir, { recursive: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(err, dir)
    let missing = dir
    while (dirname(missing) !== missing && !(await stat(dirname(missing)).then(() => true, () => false))) missing = dirname(missing)
    await mkdir(missing).catch((inner: unknown) => {
      throw fail(inner, missing)
    })
    throw fail(err, dir)
  }
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true })
}

function mismatch(actual: string, expected: string, artifact: Artifact, from: string): RunnerError {
  return new RunnerError('CHECKSUM_MISMATCH', `sha256 of ${redactUrl(artifact.url)} is ${actual}, expected ${expected}`, {
    where: `${from} (checksum from ${artifact.checksumSource})`,
    hint: 'the file was altered or truncated in transit or on the mirror; nothing was installed or cached. If the checksum came from a cached index that is now stale, `--refresh` reads it again; otherwise check the mirror',
    details: { expected, actual, url: redactUrl(artifact.url) },
  })
}

function verify(actual: string, expected: string, artifact: Artifact, from: string): void {
  if (actual !== expected) throw mismatch(actual, expected, artifact, from)
}
