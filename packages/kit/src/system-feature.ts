import { RunnerError, SYSTEM_VERSION, featureFromPackage, type Feature, type FeatureCode, type FeaturePackageJson, type PlatformSupport, type RemoteVersion } from '@runner-features/core'

/** What a system-package plugin's code adds to its manifest: `packages` instead of versions and artifacts. */
export type SystemFeatureCode = Omit<FeatureCode, 'listVersions' | 'artifact' | 'packages'> & { packages: NonNullable<Feature['packages']> }

/**
 * Declares a feature installed from the distro's own packages (`<id>@system`). Its only version is
 * `system`; core's package-manager layer installs `packages(platform)[family]` when missing.
 */
export function defineSystemFeature<C extends SystemFeatureCode>(pkg: FeaturePackageJson, code: C): Feature & C {
  const id = (pkg.runner?.feature as { id?: string } | undefined)?.id ?? pkg.name
  return featureFromPackage(pkg, {
    ...code,
    async listVersions(): Promise<RemoteVersion[]> {
      return [{ version: SYSTEM_VERSION }]
    },
    async artifact(): Promise<never> {
      throw new RunnerError('INVALID_ARGUMENT', `${id} is installed from the distro's packages; there is no download to plan`, {
        where: `${id}@${SYSTEM_VERSION}`,
        hint: 'run the install without --dry-run: it asks the package manager what is missing and installs only that',
      })
    },
  })
}

/**
 * Where mainstream distro package names (git, python3, …) are real packages: Debian ≥ 11, Ubuntu ≥
 * 20.04, the RHEL family ≥ 8, Fedora ≥ 39, Amazon Linux 2023 (glibc) and Alpine ≥ 3.18 (musl), on
 * x64 and arm64. Versions are os-release `VERSION_ID`s. System features share this matrix unless
 * their packages exist in fewer places (their package.json states the same list; the contract
 * suite can compare).
 */
export const DISTRO_PACKAGE_PLATFORMS: PlatformSupport[] = [
  {
    os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc'],
    distros: [
      { family: 'debian', id: 'debian', versions: '>=11' },
      { family: 'debian', id: 'ubuntu', versions: '>=20.04' },
      { family: 'rhel', id: 'rhel', versions: '>=8' },
      { family: 'rhel', id: 'rocky', versions: '>=8' },
      { family: 'rhel', id: 'almalinux', versions: '>=8' },
      { family: 'rhel', id: 'fedora', versions: '>=39' },
      { family: 'rhel', id: 'amzn', versions: '>=2023' },
    ],
  },
  { os: 'linux', arch: ['x64', 'arm64'], libc: ['musl'], distros: [{ family: 'alpine', id: 'alpine', versions: '>=3.18' }] },
]
