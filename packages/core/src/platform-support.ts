import { RunnerError } from './errors.js'
import type { Bins, DistroSupport, Feature, FeatureManifest, PlatformSupport, SmokeTest } from './feature.js'
import { platformKey, type Distro, type Os, type Platform } from './platform.js'

/** True when some declared support entry covers the platform. */
export function supportsPlatform(manifest: Pick<FeatureManifest, 'platforms'>, p: Platform): boolean {
  return manifest.platforms.some((s) => coversTarget(s, p) && (!s.families || s.families.includes(p.distro.family)) && (!s.distros || s.distros.some((d) => distroMatches(d, p.distro))))
}

/**
 * True when some entry covers os × arch (× libc on Linux), distros aside: what a lock platform key
 * (`linux-arm64-musl`, `windows-x64`) needs, since no distro is known when locking for another machine.
 */
export function supportsTarget(manifest: Pick<FeatureManifest, 'platforms'>, p: Pick<Platform, 'os' | 'arch' | 'libc'>): boolean {
  return manifest.platforms.some((s) => coversTarget(s, p))
}

/** One entry against os × arch × libc; Windows entries have no libc (nothing to compare). */
function coversTarget(s: PlatformSupport, p: Pick<Platform, 'os' | 'arch' | 'libc'>): boolean {
  return s.os === p.os && s.arch.includes(p.arch) && (s.os === 'windows' || s.libc.includes(p.libc))
}

/** The bins a `bins` declaration gives on one OS: the one list, or that OS's list (`[]` when it has none). */
export function declaredBins(bins: Bins | undefined, os: Os): string[] {
  if (!bins) return []
  return Array.isArray(bins) ? bins : (bins[os] ?? [])
}

/** The bins of a feature on the OS an install runs on (its per-OS list when it declared one). */
export function binsFor(feature: Pick<Feature, 'bins' | 'binsByOs'>, os: Os): string[] {
  return feature.binsByOs?.[os] ?? feature.bins
}

/**
 * The smoke test to run on an OS. Per-OS bin lists are parallel (nodejs: `bin/node` ↔ `node.exe`),
 * so when the command starts with a Linux bin, another OS runs the bin at the same position in its
 * own list with the same arguments: one declared test (`bin/node --version`) serves both archives.
 */
export function smokeTestFor(feature: Pick<Feature, 'bins' | 'binsByOs' | 'smokeTest'>, os: Os): SmokeTest {
  const [cmd, ...args] = feature.smokeTest.command
  const own = feature.binsByOs?.[os]
  const at = own && cmd !== undefined ? binsFor(feature, 'linux').indexOf(cmd) : -1
  return at >= 0 && own?.[at] ? { ...feature.smokeTest, command: [own[at], ...args] } : feature.smokeTest
}

/** One `distros` entry against a detected distro: family, optional ID, optional `VERSION_ID` range. */
export function distroMatches(d: DistroSupport, distro: Distro): boolean {
  if (d.family !== distro.family || (d.id !== undefined && d.id !== distro.id)) return false
  return d.versions === undefined || distroVersionSatisfies(distro.versionId, d.versions)
}

/**
 * `VERSION_ID` against space-separated comparators (`>=20.04 <26`), numerically per dot component
 * (`22.04` > `9.4`, `3.20` > `3.9`). An empty `VERSION_ID` (Debian testing/sid) is newer than every
 * release: it passes lower bounds and fails upper bounds.
 */
export function distroVersionSatisfies(versionId: string, range: string): boolean {
  return range.trim().split(/\s+/).filter(Boolean).every((c) => {
    const m = /^(>=|<=|>|<|=)?(\d+(?:\.\d+)*)$/.exec(c)
    if (!m) return false
    const cmp = versionId === '' ? 1 : compareDotted(versionId, m[2]!)
    switch (m[1] ?? '=') {
      case '>=': return cmp >= 0
      case '<=': return cmp <= 0
      case '>': return cmp > 0
      case '<': return cmp < 0
      default: return versionId !== '' && compareDotted(versionId, m[2]!, true) === 0
    }
  })
}

/** Component-wise numeric compare; `prefixOnly` compares only as many components as `b` has (`=9` matches 9.4). */
function compareDotted(a: string, b: string, prefixOnly = false): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0)
  const n = prefixOnly ? pb.length : Math.max(pa.length, pb.length)
  for (let i = 0; i < n; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return 0
}

function describeDistro(d: DistroSupport): string {
  return `${d.id ?? d.family}${d.versions ? ` ${d.versions}` : ''}`
}

/** Human list of what a feature supports: `linux-x64, linux-arm64 (glibc; debian, rhel); windows-x64`. */
export function describeSupport(manifest: Pick<FeatureManifest, 'platforms'>): string {
  return manifest.platforms
    .map((s) => `${s.arch.map((a) => `${s.os}-${a}`).join(', ')}${s.os === 'windows' ? '' : ` (${s.libc.join('/')}${s.distros ? `; ${s.distros.map(describeDistro).join(', ')}` : s.families ? `; ${s.families.join(', ')}` : ''})`}`)
    .join('; ')
}

/** Refuses an unsupported platform before anything is downloaded. */
export function assertSupported(manifest: Pick<FeatureManifest, 'id' | 'platforms'>, p: Platform, where: string): void {
  if (supportsPlatform(manifest, p)) return
  throw new RunnerError('UNSUPPORTED_PLATFORM', `${manifest.id} does not support ${platformKey(p)} (${p.libc}, ${p.distro.id} ${p.distro.versionId}, family ${p.distro.family})`, {
    where,
    hint: `supported: ${describeSupport(manifest)}`,
  })
}
