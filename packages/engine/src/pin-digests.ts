import { createHash } from 'node:crypto'
import type { Artifact } from '@runner-features/core'
import type { FeatureHttp } from '@runner-features/installer'

/**
 * Trust on first use, only ever at lock time: every artifact whose upstream publishes no digest
 * (`trustOnFirstUse`, Chrome for Testing) is downloaded once and its sha256 and size filled in, so
 * the lock pins what was fetched now and every later install verifies against that. Other
 * artifacts pass through untouched. Installs never call this: without a lock entry they fail
 * closed (`CHECKSUM_MISSING`).
 */
export async function pinUnpublishedDigests(artifacts: readonly Artifact[], http: Pick<FeatureHttp, 'open'>): Promise<Artifact[]> {
  return Promise.all(artifacts.map(async (a) => {
    if (!a.trustOnFirstUse || a.sha256) return a
    const { sha256, size } = await hashDownload(http, a.url)
    return { ...a, sha256, size }
  }))
}

/** The sha256 and byte count of one download, streamed (nothing written to disk). */
async function hashDownload(http: Pick<FeatureHttp, 'open'>, url: string): Promise<{ sha256: string; size: number }> {
  const opened = await http.open(url)
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of opened.body as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
  }
  return { sha256: hash.digest('hex'), size }
}
