import { RunnerError, redactUrl, type Artifact, type InstalledArtifact } from '@runner-features/core'
import { SHA256_RE, fetchVerifiedAndExtract, type FetchOptions } from './fetch-verified.js'

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
 */
export async function fetchAllVerified(artifacts: readonly Artifact[], options: FetchOptions): Promise<FetchAllResult> {
  for (const a of artifacts) {
    if (!SHA256_RE.test(a.sha256.toLowerCase())) {
      throw new RunnerError('CHECKSUM_MISSING', `no valid sha256 for ${redactUrl(a.url)} ("${a.sha256}")`, {
        where: a.checksumSource,
        hint: 'runner-features never installs an unverified file; the plugin must declare a sha256 for every artifact',
      })
    }
  }
  // One progress line for the whole install: earlier artifacts' bytes carried, totals summed when all are known.
  const known = artifacts.every((a) => a.size !== undefined)
  const total = known ? artifacts.reduce((n, a) => n + (a.size ?? 0), 0) : undefined
  let done = 0
  const result: FetchAllResult = { artifacts: [], size: 0, fromCache: true, files: 0 }
  for (const artifact of artifacts) {
    const onProgress = options.onProgress && artifacts.length > 1
      ? (p: { received: number; total?: number }) => options.onProgress!({ received: done + p.received, total: total ?? (p.total === undefined ? undefined : done + p.total) })
      : options.onProgress
    const fetched = await fetchVerifiedAndExtract(artifact, { ...options, onProgress })
    done += fetched.size
    result.artifacts.push({ url: artifact.url, sha256: artifact.sha256.toLowerCase(), size: fetched.size })
    result.size += fetched.size
    result.fromCache &&= fetched.fromCache
    result.files += fetched.files
  }
  return result
}
