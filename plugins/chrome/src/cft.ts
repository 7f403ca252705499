/**
 * Chrome's `MAJOR.0.BUILD.PATCH` as the semver core resolves with: `138.0.7204.92` → `138.7204.92`.
 * Chrome's MINOR has always been 0, so nothing is lost and the mapping inverts exactly
 * ({@link chromeVersion}); a version with another MINOR is not mappable (undefined, skipped).
 */
export function chromeSemver(chrome: string): string | undefined {
  const m = /^(\d+)\.0\.(\d+)\.(\d+)$/.exec(chrome)
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined
}

/** The inverse of {@link chromeSemver}: `138.7204.92` → `138.0.7204.92`. */
export function chromeVersion(semver: string): string {
  const [major, build, patch] = semver.split('.')
  return `${major}.0.${build}.${patch}`
}

/** Compares two Chrome versions numerically, part by part. */
export function compareChrome(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

/** The two binaries one install holds, in the order they are extracted. */
export const BINARIES = ['chrome', 'chromedriver'] as const

/** CfT's platform name for a runner platform; linux arm64 has none (upstream builds no linux arm64). */
export const CFT_PLATFORM = { x64: 'linux64' } as const
