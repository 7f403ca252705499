import { RunnerError, type Arch, type Libc } from '@runner-features/kit'

/**
 * One python-build-standalone asset, from its file name:
 * `cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz`.
 */
export interface PbsAsset {
  file: string
  /** The CPython version as setup-python's tool cache spells it: `3.12.7`, `3.14.0-alpha.1`. */
  version: string
  /** The PBS release (a date tag) the file belongs to. */
  tag: string
  triple: string
  stripped: boolean
  sha256: string
}

// Only the relocatable `install_only` flavours: a `python/` tree with bin/python3 and pip.
const ASSET = /^cpython-(\d+\.\d+\.\d+)(?:(a|b|rc)(\d+))?\+(\d+)-([a-z0-9_]+-unknown-linux-(?:gnu|musl))-install_only(_stripped)?\.tar\.gz$/
const PRE = { a: 'alpha', b: 'beta', rc: 'rc' } as const

/** The install_only assets listed in a release's `SHA256SUMS` (other flavours are ignored). */
export function parsePbsAssets(sums: ReadonlyMap<string, string>): PbsAsset[] {
  const out: PbsAsset[] = []
  for (const [file, sha256] of sums) {
    const m = ASSET.exec(file)
    if (!m) continue
    const [, base, pre, preN, tag, triple, stripped] = m
    const version = pre ? `${base}-${PRE[pre as keyof typeof PRE]}.${preN}` : base!
    out.push({ file, version, tag: tag!, triple: triple!, stripped: Boolean(stripped), sha256 })
  }
  return out
}

const CPU: Record<Arch, string> = { x64: 'x86_64', arm64: 'aarch64' }
const LIBC: Record<Libc, string> = { glibc: 'gnu', musl: 'musl' }

/** `x86_64-unknown-linux-gnu` for x64 glibc: the baseline build (not the `x86_64_v3` variants). */
export function pbsTriple(arch: Arch, libc: Libc): string {
  return `${CPU[arch]}-unknown-linux-${LIBC[libc]}`
}

/** The asset for one version and platform, preferring the stripped (smaller) build. */
export function pickPbsAsset(assets: readonly PbsAsset[], version: string, arch: Arch, libc: Libc, where: string): PbsAsset {
  const triple = pbsTriple(arch, libc)
  const forVersion = assets.filter((a) => a.version === version)
  const hit = forVersion.filter((a) => a.triple === triple).sort((a, b) => Number(b.stripped) - Number(a.stripped))[0]
  if (hit) return hit
  throw new RunnerError('UNSUPPORTED_PLATFORM', `python ${version} has no ${triple} install_only build`, {
    where,
    hint: forVersion.length ? `builds of ${version}: ${[...new Set(forVersion.map((a) => a.triple))].join(', ')}` : 'pick another version; see runner features versions python',
  })
}
