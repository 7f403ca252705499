import { distroFromOsRelease, parseOsRelease, type Arch, type Libc, type Platform } from '@runner-features/core'

/**
 * The Platform a machine with this `/etc/os-release` text reports (for plugin tests: table-test a
 * feature's matrix and package names against real os-release files).
 */
export function platformFromOsRelease(osReleaseText: string, libc: Libc = 'glibc', arch: Arch = 'x64'): Platform {
  return { os: 'linux', arch, libc, distro: distroFromOsRelease(parseOsRelease(osReleaseText)) }
}
