import { isDeepStrictEqual } from 'node:util'
import type { Artifact, Feature, FeatureManifest, RemoteVersion } from '@runner-features/core'
import { manifestProblem, systemView } from '@runner-features/core'

/**
 * The contract every feature plugin must keep, as plain checks returning problems (so any test
 * runner can use it): metadata matches code, declarations are well-formed, and every URL stays
 * under the declared upstream (so a mirror can serve it).
 */
export function contractProblems(feature: Feature, pkgJson: { name?: string; dependencies?: Record<string, string>; runner?: { feature?: unknown } }): string[] {
  // package.json imports type `os` as string; the checks below compare values, not types.
  const pkg = pkgJson as { name?: string; dependencies?: Record<string, string>; runner?: { feature?: FeatureManifest } }
  const problems: string[] = []
  const manifestIssue = manifestProblem(pkg)
  if (manifestIssue) problems.push(manifestIssue)
  const m = pkg.runner?.feature
  if (m) {
    // defineFeature(pkg, …) copies these from package.json; a hand-built feature could still drift.
    for (const key of ['id', 'toolName', 'defaultVersion', 'upstream', 'description'] as const) {
      if (m[key] !== feature[key]) problems.push(`runner.feature.${key} (${String(m[key])}) differs from the code (${String(feature[key])})`)
    }
    if (m.platforms !== feature.platforms && !isDeepStrictEqual(m.platforms, feature.platforms)) problems.push('the code states platforms of its own; state them once, in runner.feature.platforms')
  }
  if (Object.keys(pkg.dependencies ?? {}).length) problems.push('plugins must have no runtime dependencies (bundle them)')
  if (!feature.upstream.endsWith('/') || !/^https:\/\//.test(feature.upstream)) problems.push('upstream must be an https URL ending in /')
  if (!feature.bins.length) problems.push('bins must name at least one executable')
  if (feature.packages) {
    // System-package features: no version to expect; every declared family must name packages.
    const system = systemView(feature)
    if (!system.smokeTest.command.length || !system.smokeTest.expect) problems.push('smokeTest must run something and expect some output')
    if (feature.defaultVersion !== 'system') problems.push('a packages feature must default to the version "system"')
    for (const s of system.platforms) {
      for (const d of s.distros ?? (s.families ?? []).map((family) => ({ family, id: undefined }))) {
        const sample = { os: 'linux' as const, arch: s.arch[0]!, libc: s.libc?.[0] ?? 'glibc', distro: { id: d.id ?? d.family, versionId: '', idLike: [], family: d.family } }
        if (!feature.packages(sample)[d.family]?.length) problems.push(`platforms list ${d.id ?? d.family} but packages() names none for family ${d.family}`)
      }
      if (!s.distros && !s.families) problems.push('a packages feature must list the distro families it supports')
    }
  }
  // Artifact installs (everything but a packages-only feature) must prove the version they installed.
  if ((!feature.packages || feature.system) && (!feature.smokeTest.command.length || !/\{\{(version|major\.minor|major)\}\}/.test(feature.smokeTest.expect))) problems.push('smokeTest must run something and expect {{version}} (or {{major.minor}}, {{major}})')
  if (!feature.packages && !feature.artifact && !feature.artifacts) problems.push('a downloadable feature must declare artifact() or artifacts()')
  if (!feature.platforms.length) problems.push('platforms must not be empty')
  return problems
}

/** Checks an artifact a plugin produced: checksum present, URL under the upstream. */
export function artifactProblems(feature: Feature, artifact: Artifact): string[] {
  const problems: string[] = []
  // An upstream that publishes no digest declares so; the lock then pins one (trust on first use).
  if (artifact.trustOnFirstUse ? artifact.sha256 !== '' : !/^[0-9a-f]{64}$/.test(artifact.sha256)) problems.push(`sha256 "${artifact.sha256}" is not 64 lower-case hex`)
  if (!artifact.url.startsWith(feature.upstream)) problems.push(`${artifact.url} is outside the upstream ${feature.upstream}; a mirror could not serve it`)
  if (!artifact.checksumSource) problems.push('checksumSource is empty')
  return problems
}

export type { RemoteVersion }
