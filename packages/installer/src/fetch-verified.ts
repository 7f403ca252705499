import { createHash, randomBytes, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough, Transform, type Readable } from 'node:stream'
import { RunnerError, isRunnerError, redactUrl, type Artifact } from '@runner-features/core'
import { extractArchiveFile, extractTarStream, type ExtractStats } from './extract/index.js'
import type { FeatureHttp } from './http.js'

export interface Progress {
  received: number
  total?: number
}

export interface FetchOptions {
  http: FeatureHttp
  /** Download cache root; files live at `<cacheDir>/downloads/sha256/<hex>`. */
  cacheDir: string
  /** Empty staging directory to extract into. */
  dest: string
  onProgress?: (p: Progress) => void
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
 * Fetches an artifact, verifies its sha256 and extracts it into `dest` in one streaming pass:
 * bytes flow network → hash → cache file → gunzip → untar, so a 47 MB tarball is read once.
 * Extraction into the (invisible) staging dir runs ahead of the final hash check; on a mismatch
 * the caller discards the staging dir and the cache file is never committed. A cached file is
 * re-hashed as it is extracted, so a corrupted cache cannot slip through either.
 */
export async function fetchVerifiedAndExtract(artifact: Artifact, options: FetchOptions): Promise<FetchResult> {
  const expected = artifact.sha256.toLowerCase()
  if (!SHA256_RE.test(expected)) {
    throw new RunnerError('CHECKSUM_MISSING', `no valid sha256 for ${redactUrl(artifact.url)} ("${artifact.sha256}")`, {
      where: artifact.checksumSource,
      hint: 'runner-features never installs an unverified file; the plugin must declare a sha256',
    })
  }
  const final = cachedPath(options.cacheDir, expected)
  const cachedSize = await stat(final).then((s) => s.size, () => undefined)
  if (cachedSize !== undefined) {
    const stats = await extractFrom(createReadStream(final), artifact, options, expected, `${final} (download cache)`, cachedSize, undefined, final)
    return { ...stats, fromCache: true, size: cachedSize, fetchedFrom: final }
  }

  await mkdir(join(options.cacheDir, 'downloads', 'tmp'), { recursive: true })
  await mkdir(join(options.cacheDir, 'downloads', 'sha256'), { recursive: true })
  const tmp = join(options.cacheDir, 'downloads', 'tmp', `${expected.slice(0, 16)}-${randomBytes(4).toString('hex')}`)
  try {
    const opened = await options.http.open(artifact.url)
    const total = opened.size ?? artifact.size
    const stats = await extractFrom(opened.body, artifact, options, expected, opened.fetchedFrom, total, tmp)
    await rename(tmp, final)
    return { ...stats, fromCache: false, size: stats.received, fetchedFrom: opened.fetchedFrom }
  } finally {
    await rm(tmp, { force: true })
  }
}

/** Hashes (and optionally stores) `input` while extracting it; throws CHECKSUM_MISMATCH at the end. */
async function extractFrom(
  input: Readable, artifact: Artifact, options: FetchOptions, expected: string, from: string,
  total?: number, storeTo?: string, fromFile?: string,
): Promise<ExtractStats & { received: number }> {
  const hash = createHash('sha256')
  let received = 0
  let lastReport = 0
  const store = storeTo ? createWriteStream(storeTo) : undefined
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      received += chunk.length
      if (options.onProgress && (received - lastReport > 1 << 20 || received === total)) {
        lastReport = received
        options.onProgress({ received, total })
      }
      if (store && !store.write(chunk)) store.once('drain', () => done(null, chunk))
      else done(null, chunk)
    },
    flush(done) {
      if (!store) return done()
      store.end(done)
    },
  })
  const tapped = input.pipe(tap)
  input.once('error', (err) => tap.destroy(err))
  let stats: ExtractStats
  try {
    if (artifact.archive === 'tar.gz' || artifact.archive === 'tar.xz') {
      // The extractor reads through its own pipe, so when it fails (or stops early at the tar
      // end-of-archive marker) the tap lives on and every remaining byte can still be hashed.
      const toExtractor = new PassThrough()
      tapped.pipe(toExtractor)
      try {
        stats = await extractTarStream(toExtractor, artifact.archive === 'tar.gz' ? 'gzip' : 'xz', { dest: options.dest, strip: artifact.strip, source: redactUrl(artifact.url) })
      } catch (err) {
        throw await mismatchOr(err, tapped, toExtractor, hash, expected, artifact, from)
      }
      tapped.unpipe(toExtractor)
      await drain(tapped)
    } else {
      // zip needs random access and `file` is a copy: verify the whole file first, then extract
      // from it — the download's temp file, or the cache file itself when re-installing.
      await drain(tapped)
      verify(hash.digest('hex'), expected, artifact, from)
      stats = await extractArchiveFile((storeTo ?? fromFile)!, artifact.archive, { dest: options.dest, strip: artifact.strip, source: redactUrl(artifact.url), fileName: artifact.fileName })
      return { ...stats, received }
    }
  } catch (err) {
    input.destroy()
    store?.destroy()
    throw err
  }
  verify(hash.digest('hex'), expected, artifact, from)
  return { ...stats, received }
}

/**
 * An archive that fails to extract is usually a tampered or truncated download: when the bytes
 * do not hash to the expected sha256, that is the error to report (CHECKSUM_MISMATCH, with the
 * extraction error as its cause), not "unreadable archive". A file whose checksum matches keeps
 * its extraction error. Network errors while hashing the rest keep the original error too.
 */
async function mismatchOr(err: unknown, tapped: Readable, toExtractor: PassThrough, hash: Hash, expected: string, artifact: Artifact, from: string): Promise<unknown> {
  if (!isRunnerError(err) || !['ARCHIVE_UNSUPPORTED', 'ARCHIVE_UNSAFE'].includes(err.code)) return err
  tapped.unpipe(toExtractor)
  try {
    await drain(tapped)
    verify(hash.digest('hex'), expected, artifact, from)
  } catch (mismatch) {
    if (isRunnerError(mismatch) && mismatch.code === 'CHECKSUM_MISMATCH') return Object.assign(mismatch, { cause: err })
  }
  return err
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) {
    // consume
  }
}

function verify(actual: string, expected: string, artifact: Artifact, from: string): void {
  if (actual === expected) return
  throw new RunnerError('CHECKSUM_MISMATCH', `sha256 of ${redactUrl(artifact.url)} is ${actual}, expected ${expected}`, {
    where: `${from} (checksum from ${artifact.checksumSource})`,
    hint: 'the file was altered or truncated in transit or on the mirror; nothing was installed. If the mirror is stale, refresh it',
    details: { expected, actual, url: redactUrl(artifact.url) },
  })
}
