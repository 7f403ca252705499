import { RunnerError, isRunnerError, type Artifact } from '@runner-features/core'

/** An artifact as the lock pins it: canonical URL and sha256. */
export interface PinnedArtifact {
  url: string
  sha256: string
}

/**
 * The checksum-drift policy, in one place. The lock's sha256s are what an install verifies —
 * never the upstream's current ones. Before a download the upstream checksum files are read too,
 * so a change upstream is reported (never silently followed): one warning per drifted artifact.
 */
export function driftWarnings(label: string, locked: readonly PinnedArtifact[], upstream: ReadonlyMap<string, string>): string[] {
  const out: string[] = []
  for (const l of locked) {
    const now = upstream.get(l.url)
    if (now && now !== l.sha256) out.push(`${label}: the upstream checksum file now says sha256 ${now}${locked.length > 1 ? ` for ${l.url}` : ''}, the lock says ${l.sha256}; verifying against the lock`)
  }
  return out
}

/** Upstream's current sha256 per canonical URL (lower case), from the plugin's artifacts. */
export function upstreamChecksums(artifacts: readonly Pick<Artifact, 'url' | 'sha256'>[]): Map<string, string> {
  return new Map(artifacts.map((a) => [a.url, a.sha256.toLowerCase()]))
}

/**
 * A `CHECKSUM_MISMATCH` against a locked artifact says which side moved: when upstream now
 * publishes other bytes the hint is to review and upgrade; otherwise the mirror or network served
 * bytes the lock does not pin. Other errors pass through unchanged.
 */
export function explainLockedMismatch(err: unknown, locked: readonly PinnedArtifact[], upstream: ReadonlyMap<string, string>): unknown {
  if (!isRunnerError(err) || err.code !== 'CHECKSUM_MISMATCH' || locked.length === 0) return err
  // The failing artifact is the locked one whose sha256 was expected.
  const bad = locked.find((l) => l.sha256 === err.details?.expected) ?? locked[0]!
  const now = upstream.get(bad.url)
  return new RunnerError('CHECKSUM_MISMATCH', `${err.message}; the lock pins sha256 ${bad.sha256}${now ? `, the upstream checksum file says ${now}` : ''}`, {
    where: err.where,
    hint: now && now !== bad.sha256
      ? 'upstream re-published this version with different bytes; check why, then `runner features upgrade` to accept the new checksum'
      : 'the mirror or network served different bytes than the lock pins; nothing was installed',
    details: { lockSha256: bad.sha256, upstreamSha256: now ?? null },
    cause: err,
  })
}
