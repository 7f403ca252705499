import { RunnerError, checksumFor, defineFeature, type Platform, type RemoteVersion } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }
import { parseReleasesAtom } from './atom.js'
import { parseHashesSha256 } from './hashes.js'

const manifest = pkg.runner.feature

/** The upstream's name for a platform: `linux-x64`, `linux-arm64`, `linux-musl-x64`. */
export function platformSuffix(platform: Pick<Platform, 'arch' | 'libc'>): string {
  if (platform.libc === 'musl') {
    if (platform.arch !== 'x64') {
      throw new RunnerError('UNSUPPORTED_PLATFORM', `PowerShell publishes no musl build for ${platform.arch}`, { where: `linux-musl-${platform.arch}`, hint: 'PowerShell\'s musl (Alpine) build is x64 only; use a glibc base on arm64' })
    }
    return 'linux-musl-x64'
  }
  return `linux-${platform.arch}`
}

/** `powershell-7.4.6-linux-x64.tar.gz`: the release asset for one platform. */
export function tarballName(version: string, platform: Pick<Platform, 'arch' | 'libc'>): string {
  return `powershell-${version}-${platformSuffix(platform)}.tar.gz`
}

/**
 * PowerShell from its GitHub releases. Everything lives under one prefix,
 * `https://github.com/PowerShell/PowerShell/`, so one mirror directory serves it all: versions from
 * `releases.atom`, archives and `hashes.sha256` from `releases/download/v<V>/`. The tarball is flat
 * (`pwsh` at the top, shipped without its execute bit; core sets it on every declared bin).
 */
export default defineFeature({
  ...manifest,
  platforms: [
    { os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc'] },
    { os: 'linux', arch: ['x64'], libc: ['musl'] },
  ],
  bins: ['pwsh'],
  smokeTest: { command: ['pwsh', '--version'], expect: 'PowerShell {{version}}' },

  async listVersions(ctx): Promise<RemoteVersion[]> {
    const url = `${manifest.upstream}releases.atom`
    return parseReleasesAtom(await ctx.http.text(url), url)
  },

  async artifact(version, platform, ctx) {
    const base = `${manifest.upstream}releases/download/v${version.version}/`
    const name = tarballName(version.version, platform)
    const hashesUrl = `${base}hashes.sha256`
    const hashes = parseHashesSha256(await ctx.http.text(hashesUrl), hashesUrl)
    return { url: `${base}${name}`, sha256: checksumFor(hashes, name, hashesUrl), checksumSource: hashesUrl, archive: 'tar.gz', strip: 0 }
  },
})
