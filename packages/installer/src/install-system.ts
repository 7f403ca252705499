import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { execa } from 'execa'
import {
  RunnerError, SYSTEM_VERSION, assertSupported, systemView, platformKey, readState, updateState, withFileLock, withRecord,
  type Exec, type Feature, type InstalledRecord, type Logger, type PackageManager, type Platform,
} from '@runner-features/core'
import { ensureGroupMember, packageManagerFor, systemDeps, whichOnPath, type PmDeps } from '@runner-features/package-managers'
import type { InstallOutcome, InstallSettings, InstallTarget } from './install-feature.js'
import { detectContainer, repositoryFor, runnerUser } from './system-setup.js'
import { FeatureHttp } from './http.js'
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
  /** The user who joins the feature's groups (see {@link runnerUser}); undefined = nobody. */
  runnerUser(env: InstallSettings['env']): Promise<string | undefined>
  /** Whether this runs inside a container (for the feature's notices). */
  inContainer(env: InstallSettings['env']): boolean
}

// One package manager per process (= per CLI run) and platform, shared by every feature of the run:
// that is what makes "at most one index refresh per run" hold across features.
const perRun = new Map<string, PmDeps>()
const managers = new WeakMap<PmDeps, Promise<PackageManager>>()

export function defaultSystemInstallDeps(target: Pick<InstallTarget, 'platform' | 'ctx'>): SystemInstallDeps {
  const key = `${platformKey(target.platform)}:${target.platform.distro.id}`
  let pm = perRun.get(key)
  if (!pm) {
    // Repository keys come through the same HTTP client as everything else (retries, proxies,
    // redaction); URLs arrive already rebased onto a mirror, so this client rebases nothing.
    const http = new FeatureHttp({ upstream: '', logger: target.ctx.logger, signal: target.ctx.signal })
    perRun.set(key, (pm = systemDeps({ exec: systemExec, platform: target.platform, logger: target.ctx.logger, http })))
  }
  const userExists = async (name: string) => (await pm.exec('id', ['-u', name])).exitCode === 0
  return { pm, exec: target.ctx.exec, which: (name) => whichOnPath(name), runnerUser: (env) => runnerUser(env, pm.uid, userExists), inContainer: (env) => detectContainer(env) }
}

function managerFor(platform: Platform, deps: PmDeps): Promise<PackageManager> {
  let pm = managers.get(deps)
  if (!pm) managers.set(deps, (pm = packageManagerFor(platform, deps)))
  return pm
}

/** The packages a feature needs on this platform (and options), or `UNSUPPORTED_PLATFORM` naming the families it has names for. */
export function systemPackagesFor(feature: Feature, platform: Platform, where: string, options: Readonly<Record<string, unknown>> = {}): string[] {
  const byFamily = feature.packages?.(platform, options) ?? {}
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
 * package-manager command runs at all — else the feature's vendor repository is added (mirror
 * applied, key fingerprint checked before anything is written), its groups are ensured (before the
 * packages, whose install scripts then reuse the declared gid; also on a no-op run, which costs only
 * `getent`/`id`), and `install` runs (one index refresh at most, only when stale) → smoke tests →
 * the feature's notices → state record (`path` = the system bin dir, `sourceUrl` = `apt:git,curl`).
 */
export async function installSystemFeature(target: InstallTarget, settings: InstallSettings, deps: SystemInstallDeps = defaultSystemInstallDeps(target)): Promise<InstallOutcome> {
  const { platform, plugin } = target
  // A feature with both routes (python) declares what differs here; see Feature.system.
  const feature = systemView(target.feature)
  const where = `${feature.id}@${SYSTEM_VERSION}`
  assertSupported(feature, platform, where)
  const options = target.ctx.options ?? {}
  const packages = systemPackagesFor(feature, platform, where, options)
  const repository = repositoryFor(feature, platform, (url) => target.http.resolve(url), settings.env)
  const pm = await managerFor(platform, deps.pm)
  const lock = join(settings.toolCacheRoot, '.runner-features', 'system-packages.lock')
  await mkdir(dirname(lock), { recursive: true })
  const fresh = await withFileLock(lock, async () => {
    const missing = !(await pm.isInstalled(packages))
    if (missing && repository) await pm.addRepository(repository)
    await ensureGroups(feature, settings, deps, target.ctx.logger)
    if (!missing) return false
    await pm.install(packages)
    return true
  }, { what: `the system package manager (${platformKey(platform)})`, timeoutMs: 30 * 60_000 })
  if (fresh) await smokeTestSystem(feature, packages, pm, deps)
  if (fresh) for (const notice of feature.notices?.(options, { inContainer: deps.inContainer(settings.env) }) ?? []) target.ctx.logger.warn(`${feature.id}: ${notice}`)

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

/** Each declared group exists and holds the runner's user; what changed or looks off is logged. */
async function ensureGroups(feature: Feature, settings: InstallSettings, deps: SystemInstallDeps, logger: Logger): Promise<void> {
  if (!feature.groups?.length) return
  const user = await deps.runnerUser(settings.env)
  if (!user) logger.warn(`${feature.id}: no runner user found (not root via sudo, no \`runner\` account, RUNNER_FEATURES_USER unset), so nobody was added to ${feature.groups.map((g) => g.name).join(', ')}`)
  for (const group of feature.groups) {
    const outcome = await ensureGroupMember(deps.pm, group, user)
    if (outcome.created) logger.info(`${feature.id}: created group ${group.name}${group.gid === undefined ? '' : ` (gid ${group.gid})`}`)
    if (outcome.added) logger.info(`${feature.id}: added ${user} to group ${group.name} (applies to new logins: restart the runner service)`)
    for (const w of outcome.warnings) logger.warn(`${feature.id}: ${w}`)
  }
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
