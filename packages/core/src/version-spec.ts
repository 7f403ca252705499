import semver from 'semver'
import { RunnerError } from './errors.js'
import { compareText } from './compare.js'

/**
 * A version request, parsed once from what the user typed and kept with its raw text and origin so
 * every later error can quote it. `20` is a component-wise prefix: it matches 20.x.y, never 2.x or
 * 200.x; `1.2` never matches `1.20`.
 */
export type VersionSpec = SpecOrigin &
  (
    | { kind: 'exact'; version: string }
    | { kind: 'prefix'; parts: number[] }
    | { kind: 'range'; range: string }
    | { kind: 'latest' }
    /** `lts` (newest LTS line), `lts/<codename>`, `lts/-N` (N lines back). */
    | { kind: 'lts'; codename?: string; back?: number }
    /** `system`: the distro's own packages (apt/dnf/apk), for features that declare `packages`. */
    | { kind: 'system' }
  )

export interface SpecOrigin {
  /** Exactly what was typed, e.g. `^20.5`. */
  raw: string
  /** Where it came from: `argument`, `--flag`, `file:line`. */
  source: string
  /** Pre-releases are considered only when the spec itself names one. */
  prerelease: boolean
}

/** One version an upstream offers, as a plugin's `listVersions` reports it. */
export interface RemoteVersion {
  /** Full semver without a leading `v`: `20.11.1`, `1.6.0-beta1`. */
  version: string
  /** LTS codename (`Iron`) when the upstream index marks the release as LTS, else false. */
  lts?: string | false
  /** ISO date of the release when the upstream says so. */
  date?: string
}

/** `nodejs@20` → `{id: 'nodejs', spec}`; a bare id gets the `defaultSpec`. */
export interface FeatureRequest {
  id: string
  spec: VersionSpec
}

const ID_RE = /^[a-z][a-z0-9-]*$/

export function parseFeatureRequest(text: string, source = 'argument', defaultSpec = 'latest'): FeatureRequest {
  const at = text.indexOf('@')
  const id = (at === -1 ? text : text.slice(0, at)).trim()
  const rawSpec = at === -1 ? defaultSpec : text.slice(at + 1).trim()
  if (!ID_RE.test(id)) {
    throw new RunnerError('INVALID_SPEC', `"${id}" is not a feature id`, {
      where: `${text} (${source})`,
      hint: 'feature ids are lower-case letters, digits and dashes, e.g. nodejs@20 or terraform@1.5.0',
    })
  }
  if (at !== -1 && rawSpec === '') {
    throw new RunnerError('INVALID_SPEC', 'the version after "@" is empty', { where: `${text} (${source})`, hint: `write ${id}@<version>, e.g. ${id}@latest` })
  }
  return { id, spec: parseVersionSpec(rawSpec, `${id}@${rawSpec} (${source})`) }
}

/** Parses a version spec. Throws `INVALID_SPEC` (with the source) for anything unparseable. */
export function parseVersionSpec(raw: string, source = 'argument'): VersionSpec {
  const text = raw.trim()
  const lower = text.toLowerCase()
  if (lower === 'latest' || lower === 'stable' || lower === 'current') return { kind: 'latest', raw, source, prerelease: false }
  if (lower === 'lts' || lower === 'lts/*') return { kind: 'lts', raw, source, prerelease: false }
  if (lower === 'system') return { kind: 'system', raw, source, prerelease: false }
  const ltsMatch = /^lts[/-](.+)$/.exec(lower)
  if (ltsMatch) {
    const rest = ltsMatch[1]!
    const back = /^-(\d+)$/.exec(rest)
    if (back) return { kind: 'lts', back: Number(back[1]), raw, source, prerelease: false }
    if (/^[a-z]+$/.test(rest)) return { kind: 'lts', codename: rest, raw, source, prerelease: false }
    throw new RunnerError('INVALID_SPEC', `"${raw}" is not an LTS alias`, { where: source, hint: 'use lts, lts/<codename> (lts/iron) or lts/-1' })
  }
  const noV = text.replace(/^v(?=\d)/, '')
  if (/^\d+(\.\d+)?$/.test(noV)) {
    return { kind: 'prefix', parts: noV.split('.').map(Number), raw, source, prerelease: false }
  }
  const exact = semver.valid(noV)
  if (exact) return { kind: 'exact', version: exact, raw, source, prerelease: semver.prerelease(exact) !== null }
  const range = semver.validRange(noV)
  if (range !== null && noV !== '') {
    return { kind: 'range', range, raw, source, prerelease: /\d-[0-9a-z]/i.test(noV) }
  }
  throw new RunnerError('INVALID_SPEC', `"${raw}" is not a version, range or alias`, {
    where: source,
    hint: 'use an exact version (20.11.1), a prefix (20, 20.11), a range (^20.5, ~1.5, ">=1.4 <1.6"), latest, lts or lts/<codename>',
  })
}

function isStable(v: string): boolean {
  return semver.prerelease(v) === null
}

/** The version a `packages` feature lists and records: whatever the distro ships. */
export const SYSTEM_VERSION = 'system'

function matches(spec: VersionSpec, v: RemoteVersion): boolean {
  if (spec.kind === 'system' || v.version === SYSTEM_VERSION) return spec.kind === 'system' && v.version === SYSTEM_VERSION
  const parsed = semver.parse(v.version)
  if (!parsed) return false
  if (!spec.prerelease && parsed.prerelease.length > 0) return false
  switch (spec.kind) {
    case 'exact':
      return semver.eq(parsed, spec.version)
    case 'prefix':
      return parsed.major === spec.parts[0] && (spec.parts.length < 2 || parsed.minor === spec.parts[1])
    case 'range':
      return semver.satisfies(parsed, spec.range, { includePrerelease: spec.prerelease })
    case 'latest':
      return true
    case 'lts':
      return Boolean(v.lts)
  }
}

/** Ascending semver order (non-semver strings sort first, by text). */
export function compareVersions(a: string, b: string): number {
  const va = semver.valid(a)
  const vb = semver.valid(b)
  if (va && vb) return semver.compare(va, vb)
  return va ? 1 : vb ? -1 : compareText(a, b)
}

/** Newest-first copy; invalid semver entries are dropped. */
export function sortVersions(versions: readonly RemoteVersion[]): RemoteVersion[] {
  return versions.filter((v) => semver.valid(v.version)).sort((a, b) => semver.rcompare(a.version, b.version))
}

/** True when an installed version satisfies the spec without asking upstream (aliases never do). */
export function specAcceptsInstalled(spec: VersionSpec, version: string): boolean {
  if (spec.kind === 'latest' || spec.kind === 'lts') return false
  return matches(spec, { version })
}

/**
 * Picks the newest version the spec matches. `lts/<codename>` and `lts/-N` read the upstream
 * index's own `lts` field — never a hard-coded table. Throws `VERSION_NOT_FOUND` naming the nearest
 * versions.
 */
export function resolveVersion(featureId: string, spec: VersionSpec, versions: readonly RemoteVersion[]): RemoteVersion {
  const system = versions.find((v) => v.version === SYSTEM_VERSION)
  if (spec.kind === 'system') {
    if (system) return system
    throw new RunnerError('VERSION_NOT_FOUND', `${featureId} has no system-package install`, {
      where: `${featureId}@${spec.raw} (${spec.source.replace(/^.*\((.*)\)$/, '$1')})`,
      hint: `ask for a version instead, e.g. ${featureId}@latest`,
    })
  }
  const sorted = sortVersions(versions)
  const hit = specCandidates(spec, sorted)[0]
  if (hit) return hit
  if (system && sorted.length === 0) {
    throw new RunnerError('VERSION_NOT_FOUND', `${featureId} is installed from the distro's packages, which have no selectable versions`, {
      where: `${featureId}@${spec.raw} (${spec.source.replace(/^.*\((.*)\)$/, '$1')})`,
      hint: `use ${featureId}@system (or just ${featureId})`,
    })
  }
  throw versionNotFound(featureId, spec, sorted)
}

/** Every version the spec accepts, newest first (`sorted` must be newest first, see {@link sortVersions}). */
export function specCandidates(spec: VersionSpec, sorted: readonly RemoteVersion[]): RemoteVersion[] {
  let candidates = sorted.filter((v) => matches(spec, v))
  if (spec.kind === 'lts' && (spec.codename !== undefined || spec.back !== undefined)) {
    const lines = [...new Set(candidates.map((v) => String(v.lts).toLowerCase()))]
    const wanted = spec.codename ?? lines[spec.back ?? 0]
    candidates = candidates.filter((v) => String(v.lts).toLowerCase() === wanted)
  }
  return candidates
}

/**
 * The spec as a semver range when it has one (`20` → `>=20.0.0 <21.0.0-0`); aliases (`latest`,
 * `lts`) have none: they depend on the upstream index. Used to intersect requirements.
 */
export function specRange(spec: VersionSpec): string | undefined {
  switch (spec.kind) {
    case 'exact':
      return spec.version
    case 'prefix':
      return spec.parts.length === 1 ? `>=${spec.parts[0]}.0.0 <${spec.parts[0]! + 1}.0.0-0` : `>=${spec.parts[0]}.${spec.parts[1]}.0 <${spec.parts[0]}.${spec.parts[1]! + 1}.0-0`
    case 'range':
      return spec.range
    default:
      return undefined
  }
}

/** False only when both specs are ranges that no version can satisfy together (`^18` and `^20`). */
export function specsIntersect(a: VersionSpec, b: VersionSpec): boolean {
  const ra = specRange(a)
  const rb = specRange(b)
  if (ra === undefined || rb === undefined) return true
  return semver.intersects(ra, rb, { includePrerelease: a.prerelease || b.prerelease })
}

function versionNotFound(featureId: string, spec: VersionSpec, sorted: RemoteVersion[]): RunnerError {
  const where = `${featureId}@${spec.raw} (${spec.source.replace(/^.*\((.*)\)$/, '$1')})`
  if (sorted.length === 0) {
    return new RunnerError('VERSION_NOT_FOUND', 'the upstream index lists no versions', { where, hint: 'check the mirror or upstream URL; the index was empty' })
  }
  if (spec.kind === 'lts') {
    const codenames = [...new Set(sorted.filter((v) => v.lts).map((v) => String(v.lts).toLowerCase()))]
    return new RunnerError('VERSION_NOT_FOUND', codenames.length ? 'no release matches that LTS line' : `${featureId} publishes no LTS releases`, {
      where,
      hint: codenames.length ? `known LTS lines: ${codenames.slice(0, 6).join(', ')}` : `use latest or a version, e.g. ${featureId}@${sorted.find((v) => isStable(v.version))?.version ?? sorted[0]!.version}`,
      details: { nearest: codenames.slice(0, 6) },
    })
  }
  const nearest = nearestVersions(spec, sorted)
  return new RunnerError('VERSION_NOT_FOUND', 'no release matches', {
    where,
    hint: `nearest: ${nearest.join(', ')}; see all with \`runner features versions ${featureId}\``,
    details: { nearest },
  })
}

/** The up-to-four stable versions around where the spec points, newest first. */
export function nearestVersions(spec: VersionSpec, sorted: readonly RemoteVersion[]): string[] {
  const stable = sorted.filter((v) => isStable(v.version)).map((v) => v.version)
  const pool = stable.length ? stable : sorted.map((v) => v.version)
  const target = spec.kind === 'exact' ? spec.version : spec.kind === 'prefix' ? `${spec.parts[0]}.${spec.parts[1] ?? 0}.0` : spec.kind === 'range' ? semver.minVersion(spec.range)?.version : undefined
  if (!target) return pool.slice(0, 4)
  const idx = pool.findIndex((v) => semver.lte(v, target))
  const at = idx === -1 ? pool.length : idx
  return pool.slice(Math.max(0, at - 2), at + 2)
}
