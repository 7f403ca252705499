import { readFile } from 'node:fs/promises'
import { release } from 'node:os'
import { RunnerError, archFromNode, distroFromOsRelease, osFromNode, parseOsRelease, windowsPlatform, type Libc, type Platform } from '@runner-features/core'

/**
 * Detects the running platform: distro from `/etc/os-release` (falling back to
 * `/usr/lib/os-release`), arch from Node, libc from the process report (glibc reports its version;
 * musl does not). `RUNNER_FEATURES_PLATFORM_ARCH` overrides the arch for cross-platform planning.
 * On Windows (`win32`) the platform is `windowsPlatform` (no os-release), which selects choco; this
 * path has never run on a Windows machine (see images/windows/README.md).
 */
export async function detectPlatform(env: Record<string, string | undefined> = process.env, root = '/'): Promise<Platform> {
  const text = await readFile(`${root}etc/os-release`, 'utf8').catch(() => readFile(`${root}usr/lib/os-release`, 'utf8').catch(() => ''))
  const arch = archFromNode(env.RUNNER_FEATURES_PLATFORM_ARCH || process.arch)
  const os = osFromNode(process.platform)
  if (!os || !arch) {
    throw new RunnerError('UNSUPPORTED_PLATFORM', `${process.platform}/${process.arch} is not supported`, { where: 'this machine', hint: 'runner-features installs onto Linux x64 and arm64 runners (Windows x64: package installs through choco only, untested)' })
  }
  if (os === 'windows') return windowsPlatform(arch, release())
  return { os: 'linux', arch, libc: detectLibc(), distro: distroFromOsRelease(parseOsRelease(text)) }
}

function detectLibc(): Libc {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl'
}
