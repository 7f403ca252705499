import { RunnerError, SYSTEM_VERSION, type Feature, type RemoteVersion } from '@runner-features/core'

/** What a system-package plugin writes: a feature with `packages` instead of versions and artifacts. */
export type SystemFeatureDeclaration = Omit<Feature, 'listVersions' | 'artifact' | 'packages'> & { packages: NonNullable<Feature['packages']> }

/**
 * Declares a feature installed from the distro's own packages (`<id>@system`). Its only version is
 * `system`; core's package-manager layer installs `packages(platform)[family]` when missing.
 */
export function defineSystemFeature<F extends SystemFeatureDeclaration>(feature: F): F & Pick<Feature, 'listVersions' | 'artifact' | 'packages'> {
  return {
    ...feature,
    async listVersions(): Promise<RemoteVersion[]> {
      return [{ version: SYSTEM_VERSION }]
    },
    async artifact(): Promise<never> {
      throw new RunnerError('INVALID_ARGUMENT', `${feature.id} is installed from the distro's packages; there is no download to plan`, {
        where: `${feature.id}@${SYSTEM_VERSION}`,
        hint: 'run the install without --dry-run: it asks the package manager what is missing and installs only that',
      })
    },
  }
}
