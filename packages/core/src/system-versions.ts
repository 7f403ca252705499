import type { Feature } from './feature.js'
import type { FeatureContext } from './context.js'
import { SYSTEM_VERSION, type RemoteVersion, type VersionSpec } from './version-spec.js'

/** True when this install of `feature` goes through the distro's package manager (`<id>@system`). */
export function isSystemInstall(feature: Pick<Feature, 'packages'>, version: Pick<RemoteVersion, 'version'>): boolean {
  return Boolean(feature.packages) && version.version === SYSTEM_VERSION
}

/**
 * The versions to resolve `specs` against. A feature with distro packages offers `system` without
 * asking upstream, so `python@system` works offline (inside a chroot, on an air-gapped image) even
 * though `python@3.12` lists a remote index. Anything else asks the plugin's `listVersions`.
 */
export async function availableVersions(feature: Pick<Feature, 'packages' | 'listVersions'>, specs: readonly VersionSpec[], ctx: FeatureContext): Promise<RemoteVersion[]> {
  const system: RemoteVersion[] = feature.packages ? [{ version: SYSTEM_VERSION }] : []
  if (system.length && specs.length > 0 && specs.every((s) => s.kind === 'system')) return system
  const listed = await feature.listVersions(ctx)
  return [...listed.filter((v) => v.version !== SYSTEM_VERSION), ...system]
}

/** The feature as its `system` route sees it: top-level fields with {@link Feature.system} overrides applied. */
export function systemView<F extends Feature>(feature: F): F {
  const o = feature.system
  if (!o) return feature
  return {
    ...feature,
    platforms: o.platforms ?? feature.platforms,
    bins: o.bins ?? feature.bins,
    smokeTest: o.smokeTest ?? feature.smokeTest,
    smokeTests: o.smokeTests ?? feature.smokeTests,
  }
}
