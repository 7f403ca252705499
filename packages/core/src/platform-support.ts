import { RunnerError } from './errors.js'
import type { FeatureManifest } from './feature.js'
import { platformKey, type Platform } from './platform.js'

/** True when some declared support entry covers the platform. */
export function supportsPlatform(manifest: Pick<FeatureManifest, 'platforms'>, p: Platform): boolean {
  return manifest.platforms.some((s) => s.os === p.os && s.arch.includes(p.arch) && s.libc.includes(p.libc) && (!s.families || s.families.includes(p.distro.family)))
}

/** Human list of what a feature supports: `linux-x64, linux-arm64 (glibc; debian, rhel)`. */
export function describeSupport(manifest: Pick<FeatureManifest, 'platforms'>): string {
  return manifest.platforms
    .map((s) => `${s.arch.map((a) => `${s.os}-${a}`).join(', ')} (${s.libc.join('/')}${s.families ? `; ${s.families.join(', ')}` : ''})`)
    .join('; ')
}

/** Refuses an unsupported platform before anything is downloaded. */
export function assertSupported(manifest: Pick<FeatureManifest, 'id' | 'platforms'>, p: Platform, where: string): void {
  if (supportsPlatform(manifest, p)) return
  throw new RunnerError('UNSUPPORTED_PLATFORM', `${manifest.id} does not support ${platformKey(p)} (${p.libc}, ${p.distro.id} ${p.distro.versionId}, family ${p.distro.family})`, {
    where,
    hint: `supported: ${describeSupport(manifest)}`,
  })
}
