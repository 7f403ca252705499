import { RunnerError, describeSupport, distroFromOsRelease, platformKey, supportsPlatform, type Platform } from '@runner-features/core'
import { detectPlatform } from '@runner-features/installer'
import { table, writeOut, printJson } from '../output.js'
import { discover, type Runtime } from '../runtime.js'

export interface AvailableResult {
  schemaVersion: 1
  /** The platform asked about: `linux-arm64-musl`, with its distro. */
  platform: { key: string; distro: string; family: string }
  available: { id: string; name: string; version: string; description: string }[]
  /** Plugins that do not support it, with what they do support. */
  unsupported: { id: string; supports: string }[]
}

/**
 * `runner features list --available [--platform <key>] [--distro <id>@<version>]`: which features
 * can be installed on a platform, answered from the plugins' declared matrices (no plugin code, no
 * network). Defaults to this machine; another arch/libc/distro can be asked about for image planning.
 */
export async function availableFeatures(rt: Runtime, flags: { platform?: string; distro?: string }): Promise<AvailableResult> {
  const here = await detectPlatform(rt.env)
  const platform: Platform = { ...here, ...(flags.platform ? parseKey(flags.platform) : {}), ...(flags.distro ? { distro: parseDistro(flags.distro) } : {}) }
  const { plugins } = await discover(rt)
  const key = platformKey(platform)
  return {
    schemaVersion: 1,
    platform: { key, distro: `${platform.distro.id}@${platform.distro.versionId}`, family: platform.distro.family },
    available: plugins.filter((p) => supportsPlatform(p.manifest, platform)).map((p) => ({ id: p.manifest.id, name: p.name, version: p.version, description: p.manifest.description })),
    unsupported: plugins.filter((p) => !supportsPlatform(p.manifest, platform)).map((p) => ({ id: p.manifest.id, supports: describeSupport(p.manifest) })),
  }
}

function parseKey(key: string): Pick<Platform, 'arch' | 'libc'> {
  const m = /^linux-(x64|arm64)(-musl)?$/.exec(key)
  if (!m) throw new RunnerError('INVALID_ARGUMENT', `"${key}" is not a platform`, { where: '--platform', hint: 'use linux-x64, linux-arm64, linux-x64-musl or linux-arm64-musl' })
  return { arch: m[1] as Platform['arch'], libc: m[2] ? 'musl' : 'glibc' }
}

function parseDistro(text: string): Platform['distro'] {
  const m = /^([a-z][a-z0-9._-]*)@([0-9][0-9.]*)$/.exec(text)
  if (!m) throw new RunnerError('INVALID_ARGUMENT', `"${text}" is not <os-release ID>@<VERSION_ID>`, { where: '--distro', hint: 'e.g. ubuntu@24.04, debian@12, rocky@9.4, alpine@3.20' })
  return distroFromOsRelease({ ID: m[1]!, VERSION_ID: m[2]!, ID_LIKE: m[1] === 'rocky' || m[1] === 'almalinux' ? 'rhel' : '' })
}

export function printAvailable(result: AvailableResult, json: boolean): void {
  if (json) return printJson(result)
  const out = [`Available on ${result.platform.key} (${result.platform.distro}, ${result.platform.family} family):`]
  out.push(table([['FEATURE', 'PLUGIN', 'VERSION', 'DESCRIPTION'], ...result.available.map((p) => [p.id, p.name, p.version, p.description])]).replace(/^/gm, '  '))
  if (result.unsupported.length) {
    out.push('', 'Not available there:')
    for (const u of result.unsupported) out.push(`  ${u.id}: supports ${u.supports}`)
  }
  writeOut(`${out.join('\n')}\n`)
}
