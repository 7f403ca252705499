import { createHash } from 'node:crypto'
import type { Artifact } from '@runner-features/core'
import { readKeyFiles, readPublicKeys, verifyArtifactSignature, type FeatureHttp } from '@runner-features/installer'
import type { SignatureTrust } from './signatures.js'

/**
 * An artifact whose digest was pinned here; `signedBy` is the fingerprint of the key whose detached
 * signature verified it (the lock records it, so a later locked install notices a downgrade).
 */
export type PinnedDigest = Artifact & { signedBy?: string }

/**
 * Trust on first use, only ever at lock time: every artifact whose upstream publishes no digest
 * (`trustOnFirstUse`: Chrome for Testing, AWS CLI) is downloaded once and its sha256 and size
 * filled in, so the lock pins what was fetched now and every later install verifies against that.
 * An artifact with a `detachedSignature` (AWS CLI) must verify against the plugin's keys (plus the
 * runner's trusted keys) first, so the pinned digest is the signed one. Other artifacts pass
 * through untouched. Installs never call this: without a lock entry they fail closed (`CHECKSUM_MISSING`).
 */
export async function pinUnpublishedDigests(artifacts: readonly Artifact[], http: Pick<FeatureHttp, 'open' | 'bytes' | 'resolve'>, trust?: Pick<SignatureTrust, 'extraKeyFiles'>): Promise<PinnedDigest[]> {
  return Promise.all(artifacts.map(async (a) => {
    if (!a.trustOnFirstUse || a.sha256) return a
    if (!a.detachedSignature) return { ...a, ...(await hashDownload(http, a.url)) }
    const [bytes, signature] = await Promise.all([download(http, a.url), http.bytes(a.detachedSignature.url)])
    const keys = [...(await readPublicKeys(a.detachedSignature.keys, a.detachedSignature.keysSource)), ...(await readKeyFiles(trust?.extraKeyFiles ?? []))]
    const signedBy = await verifyArtifactSignature({ bytes, signature, file: http.resolve(a.url), signatureFile: http.resolve(a.detachedSignature.url), keys })
    return { ...a, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, signedBy }
  }))
}

/**
 * For an install without a lock: only artifacts the upstream signs itself (`detachedSignature`)
 * are downloaded, verified and pinned — a signature, not first use, vouches for them. A digest-less
 * artifact without one keeps its empty sha256, so the install fails closed (`CHECKSUM_MISSING`).
 * The verified bytes are read into memory here and fetched again by the install (the download
 * cache is keyed by sha256, unknown until now).
 */
export async function pinSignedDigests(artifacts: readonly Artifact[], http: Pick<FeatureHttp, 'open' | 'bytes' | 'resolve'>, trust?: Pick<SignatureTrust, 'extraKeyFiles'>): Promise<PinnedDigest[]> {
  return Promise.all(artifacts.map(async (a) => (a.detachedSignature ? (await pinUnpublishedDigests([a], http, trust))[0]! : a)))
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

/** One download in memory: a signature covers the whole file, so it is read before anything is pinned. */
async function download(http: Pick<FeatureHttp, 'open'>, url: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of (await http.open(url)).body as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}
