import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { execa } from 'execa'
import {
  RunnerError, SYSTEM_VERSION, assertSupported, platformKey, readState, updateState, withFileLock, withRecord,
  type Exec, type Feature, type InstalledRecord, type PackageManager, type Platform,
} from '@runner-features/core'
import { packageManagerFor, systemDeps, whichOnPath, type PmDeps } from '@runner-features/package-managers'
import type { InstallOutcome, InstallSettings, InstallTarget } from './install-feature.js'
import { exportToJob } from './toolcache.js'

/** Package managers can take minutes (a cold `apt-get update` plus downloads); smoke tests cannot. */
export const systemExec: Exec = async (file, args, options = {}) => {
  const result = await execa(file, [...args], { cwd: options.cwd, env: options.env, input: options.input, reject: false, timeout: 30 * 60_000, stripFinalNewline: false })
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? (result.failed ? result.message : '')) }
}

/** I/O of a system-package install, injectable for tests. */
export interface SystemInstallDeps {
  /** What the package manager uses (exec, fs, which, key downloads). */
  pm: PmDeps
  /** Runs smoke tests. */
  exec: Exec
  /** Finds a bin on PATH (smoke tests, the recorded location). */
  which(name: string): Promise<string | undefined>
}

// One package manager per process (= per CLI run) and platform, shared by every feature of the run:
// that is what makes "at most one index refresh per run" hold across features.
const perRun = new Map<string, PmDeps>()
const managers = new WeakMap<PmDeps, Promise<PackageManager>>()

export function defaultSystemInstallDeps(target: Pick<InstallTarget, 'platform' | 'ctx'>): SystemInstallDeps {
  const key = `${platformKey(target.platform)}:${target.platform.distro.id}`
  let pm = perRun.get(key)
  if (!pm) perRun.set(key, (pm = systemDeps({ exec: systemExec, platform: target.platform, logger: target.ctx.logger })))
  return { pm, exec: target.ctx.exec, which: (name) => whichOnPath(name) }
}

function managerFor(platform: Platform, deps: PmDeps): Promise<PackageManager> {
  let pm = managers.get(deps)
  if (!pm) managers.set(deps, (pm = packageManagerFor(platform, deps)))
  return pm
}

/** The packages a feature needs on this platform, or `UNSUPPORTED_PLATFORM` naming the families it has names for. */
export function systemPackagesFor(feature: Feature, platform: Platform, where: string): string[] {
  const byFamily = feature.packages?.(platform) ?? {}
  const names = byFamily[platform.distro.family]
  if (names?.length) return names
  throw new RunnerError('UNSUPPORTED_PLATFORM', `${feature.id} declares no packages for ${platform.distro.id} (family ${platform.distro.family})`, {
    where,
    hint: `it has package names for: ${Object.keys(byFamily).join(', ') || 'nothing'}`,
  })
}

/**
 * The install flow for features made of distro packages (version `system`): platform check →
 * package manager for the distro → under one machine-wide lock (apt/dnf/apk hold their own locks;
 * two features of one run must not race for them): `isInstalled` — when everything is there, no
 * package-manager command runs at all — else `install` (one index refresh at most, only when
 * stale) → smoke tests → state record (`path` = the system bin dir, `sourceUrl` = `apt:git,curl`).
 */
export async function installSystemFeature(target: InstallTarget, settings: InstallSettings, deps: SystemInstallDeps = defaultSystemInstallDeps(target)): Promise<InstallOutcome> {
  const { feature, platform, plugin } = target
  const where = `${feature.id}@${SYSTEM_VERSION}`
  assertSupported(feature, platform, where)
  const packages = systemPackagesFor(feature, platform, where)
  const pm = await managerFor(platform, deps.pm)
  const lock = join(settings.toolCacheRoot, '.runner-features', 'system-packages.lock')
  await mkdir(dirname(lock), { recursive: true })
  const fresh = await withFileLock(lock, async () => {
    if (await pm.isInstalled(packages)) return false
    await pm.install(packages)
    return true
  }, { what: `the system package manager (${platformKey(platform)})`, timeoutMs: 30 * 60_000 })
  if (fresh) await smokeTestSystem(feature, packages, pm, deps)

  const primary = feature.bins[0] ? await deps.which(feature.bins[0]) : undefined
  const path = primary ? dirname(primary) : '/usr/bin'
  const sourceUrl = `${pm.id}:${packages.join(',')}`
  await exportToJob(settings.env, [], feature.env?.(path, SYSTEM_VERSION, target.ctx.options ?? {}) ?? {})
  const previous = (await readState(settings.stateFile)).installs.find((r) => r.id === feature.id && r.version === SYSTEM_VERSION && r.arch === platform.arch)
  if (!fresh && previous && previous.path === path && previous.sourceUrl === sourceUrl) return { status: 'already-installed', record: previous }
  const record: InstalledRecord = {
    id: feature.id,
    toolName: feature.toolName,
    version: SYSTEM_VERSION,
    arch: platform.arch,
    path,
    sourceUrl,
    sha256: '',
    size: 0,
    plugin: { name: plugin.name, version: plugin.version },
    links: [],
    installedAt: fresh || !previous ? new Date().toISOString() : previous.installedAt,
  }
  await updateState(settings.stateFile, (state) => withRecord(state, record))
  return { status: fresh ? 'installed' : 'already-installed', record }
}

/** Every bin must be on PATH and every smoke test must print what it expects. */
async function smokeTestSystem(feature: Feature, packages: readonly string[], pm: PackageManager, deps: SystemInstallDeps): Promise<void> {
  const where = `${feature.id}@${SYSTEM_VERSION}`
  for (const bin of feature.bins) {
    if (!(await deps.which(bin))) {
      throw new RunnerError('SMOKE_TEST_FAILED', `${bin} is not on PATH after installing ${packages.join(' ')} with ${pm.id}`, { where, hint: 'the package names do not provide this command on this distro release; report it to the plugin author' })
    }
  }
  for (const test of [feature.smokeTest, ...(feature.smokeTests ?? [])]) {
    const [cmd, ...args] = test.command
    if (!cmd) continue
    const result = await deps.exec(cmd, args).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }))
    const output = `${result.stdout}\n${result.stderr}`
    if (result.exitCode !== 0 || !output.includes(test.expect)) {
      throw new RunnerError('SMOKE_TEST_FAILED', `\`${test.command.join(' ')}\` exited ${result.exitCode} without printing "${test.expect}": ${output.trim().slice(0, 300)}`, {
        where,
        hint: `the packages (${packages.join(' ')}) were installed by ${pm.id} but do not work; they stay installed (the package manager owns them)`,
      })
    }
  }
}
