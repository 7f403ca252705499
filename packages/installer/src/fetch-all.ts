import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { archiveLimits, type Artifact, type InstalledArtifact } from '@runner-features/core'
import { DamagedCacheEntry, expectedSha256, fetchOne, type FetchOptions } from './fetch-verified.js'

export interface FetchAllResult {
  /** Every artifact as fetched: canonical URL, sha256 and the bytes verified. */
  artifacts: InstalledArtifact[]
  /** Bytes over all artifacts. */
  size: number
  /** True when every artifact came from the download cache. */
  fromCache: boolean
  files: number
}

/**
 * Fetches, verifies and extracts every artifact of one install into the same staging dir, in order.
 * Every sha256 is checked for presence before the first request, so a plugin that forgot one
 * downloads nothing. A mismatch on any artifact throws (`CHECKSUM_MISMATCH`) and the caller discards
 * the whole staging dir: an install is all of its artifacts or nothing.
 *
 * Extracting into a dir that earlier artifacts filled keeps the extractor's symlink guarantees:
 * every symlink there was made by the same extractor under the same rule (relative, `..` only
 * leading, never above its own root), so whatever a later archive writes through one still lands
 * inside the staging dir. A later archive's file replaces an earlier one at the same path.
 *
 * A cached artifact that no longer matches its sha256 is deleted and fetched again before anything
 * is reported (logged as a warning): a damaged cache heals itself, with or without `--refresh`.
 */
export async function fetchAllVerified(artifacts: readonly Artifact[], options: FetchOptions): Promise<FetchAllResult> {
  for (const a of artifacts) expectedSha256(a, 'runner-features never installs an unverified file; the plugin must declare a sha256 for every artifact')
  // Read once, before the first request: a malformed limit in the environment fails before any download.
  const limits = options.limits ?? archiveLimits(process.env)
  // A damaged cache file (see DamagedCacheEntry) is fetched from the network on the next pass; its
  // partial extraction is mixed into `dest` with the earlier artifacts', so the pass starts over in
  // an emptied `dest` (the earlier artifacts are cache hits by then). At most one more pass per artifact.
  const refetch = new Set<string>()
  for (;;) {
    try {
      return await fetchPass(artifacts, { ...options, limits }, refetch)
    } catch (err) {
      if (!(err instanceof DamagedCacheEntry) || refetch.has(err.sha256)) throw err
      refetch.add(err.sha256)
      for (const name of await readdir(options.dest)) await rm(join(options.dest, name), { recursive: true, force: true })
    }
  }
}

async function fetchPass(artifacts: readonly Artifact[], options: FetchOptions, refetch: ReadonlySet<string>): Promise<FetchAllResult> {
  // One progress line for the whole install: earlier artifacts' bytes carried, totals summed when all are known.
  const known = artifacts.every((a) => a.size !== undefined)
  const total = known ? artifacts.reduce((n, a) => n + (a.size ?? 0), 0) : undefined
  let done = 0
  const result: FetchAllResult = { artifacts: [], size: 0, fromCache: true, files: 0 }
  for (const artifact of artifacts) {
    const onProgress = options.onProgress && artifacts.length > 1
      ? (p: { received: number; total?: number }) => options.onProgress!({ received: done + p.received, total: total ?? (p.total === undefined ? undefined : done + p.total) })
      : options.onProgress
    const sha256 = artifact.sha256.toLowerCase()
    const fetched = await fetchOne(artifact, { ...options, onProgress }, { skipCache: refetch.has(sha256) })
    done += fetched.size
    result.artifacts.push({ url: artifact.url, sha256, size: fetched.size })
    result.size += fetched.size
    result.fromCache &&= fetched.fromCache
    result.files += fetched.files
  }
  return result
}
