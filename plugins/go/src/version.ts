/**
 * go.dev's release name → the semver directory actions/setup-go writes and `tc.find` scans,
 * following setup-go's `makeSemver`: `go1.22.1` → `1.22.1`, `go1.20` → `1.20.0`,
 * `go1.21rc2` → `1.21.0-rc.2`, `go1.9beta1` → `1.9.0-beta.1`. Undefined for any other shape (a
 * name go.dev has never used), so the caller can skip it rather than guess.
 */
export function goSemver(name: string): string | undefined {
  const m = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?$/.exec(name)
  if (!m) return undefined
  const [, major, minor, patch, pre, n] = m
  return `${major}.${minor}.${patch ?? 0}${pre ? `-${pre}.${n}` : ''}`
}
