/**
 * The platform a feature is installed on. Detected once by core from `/etc/os-release`, the CPU
 * architecture and the C library, then handed to plugins, which only read it.
 */
export type Arch = 'x64' | 'arm64'
export type Libc = 'glibc' | 'musl'
/**
 * Operating systems. `windows` exists so a Windows runner can be described and select choco; no
 * Windows machine runs this project's tests (see images/windows/README.md for what has run).
 */
export type Os = 'linux' | 'windows'
/** Distro families: what decides package manager and package names. */
export type DistroFamily = 'debian' | 'rhel' | 'alpine' | 'arch' | 'suse' | 'unknown'

export interface Distro {
  /** `ID` from os-release, e.g. `ubuntu`, `debian`, `rocky`, `alpine`. */
  id: string
  /** `VERSION_ID`, e.g. `24.04`, `12`, `9.4`; empty when absent (Debian sid). */
  versionId: string
  /** `ID_LIKE` entries, e.g. `['rhel', 'centos', 'fedora']`. */
  idLike: string[]
  family: DistroFamily
  /** `VERSION_CODENAME` when present (`noble`, `bookworm`). */
  codename?: string
}

export interface Platform {
  os: Os
  arch: Arch
  /**
   * Linux only. Windows has no glibc/musl split; a Windows platform carries `glibc` so its key
   * stays `windows-x64` (no suffix), and nothing should read libc when `os` is `windows`.
   */
  libc: Libc
  distro: Distro
}

/** Platform key used in lockfiles and matrices: `linux-x64`, `linux-arm64-musl`. */
export function platformKey(p: Pick<Platform, 'os' | 'arch' | 'libc'>): string {
  return `${p.os}-${p.arch}${p.libc === 'musl' ? '-musl' : ''}`
}

/** Parses the `KEY=value` lines of os-release(5), unquoting values. Pure. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    let value = line.slice(eq + 1).trim()
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1')
    }
    out[line.slice(0, eq)] = value
  }
  return out
}

const FAMILY_BY_ID: Record<string, DistroFamily> = {
  debian: 'debian', ubuntu: 'debian',
  rhel: 'rhel', centos: 'rhel', fedora: 'rhel', rocky: 'rhel', almalinux: 'rhel', amzn: 'rhel', ol: 'rhel',
  alpine: 'alpine', arch: 'arch', suse: 'suse', opensuse: 'suse', sles: 'suse',
}

/** Distro from os-release fields; the family comes from `ID`, else the first known `ID_LIKE`. */
export function distroFromOsRelease(fields: Record<string, string>): Distro {
  const id = (fields.ID ?? 'unknown').toLowerCase()
  const idLike = (fields.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean)
  const family = [id, ...idLike].map((x) => FAMILY_BY_ID[x]).find((x) => x !== undefined) ?? 'unknown'
  return { id, versionId: fields.VERSION_ID ?? '', idLike, family, codename: fields.VERSION_CODENAME || undefined }
}

/** Maps Node's `process.arch` to ours; other CPUs are not supported. */
export function archFromNode(nodeArch: string): Arch | undefined {
  return nodeArch === 'x64' ? 'x64' : nodeArch === 'arm64' ? 'arm64' : undefined
}

/** Maps Node's `process.platform` to ours (`win32` → `windows`); other systems are not supported. */
export function osFromNode(nodePlatform: string): Os | undefined {
  return nodePlatform === 'linux' ? 'linux' : nodePlatform === 'win32' ? 'windows' : undefined
}

/** The OS this process runs on, as ours (Linux when Node reports a system we do not support). */
export function hostOs(): Os {
  return osFromNode(process.platform) ?? 'linux'
}

/**
 * A Windows platform. There is no os-release on Windows: the distro is `windows` with the kernel
 * version (`os.release()`, e.g. `10.0.20348` for Server 2022) as `VERSION_ID`, family `unknown`
 * (families are Linux package-manager families; choco is selected by `os`, not by family).
 */
export function windowsPlatform(arch: Arch, release: string): Platform {
  return { os: 'windows', arch, libc: 'glibc', distro: { id: 'windows', versionId: release, idLike: [], family: 'unknown' } }
}
