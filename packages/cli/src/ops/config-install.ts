import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunnerError, SYSTEM_VERSION, artifactsFor, assertSupported, isRunnerError, platformKey, redactUrl, type Artifact, type Logger, type Resolution } from '@runner-features/core'
import { lockedArtifacts, writeLockfile, type LockPlatform, type Lockfile } from '@runner-features/core/config'
import { installFeature, isComplete, toolCacheEntry, type Progress } from '@runner-features/installer'
import type { Runtime } from '../runtime.js'
import { buildLock, contextFor, loadProject, outdatedError, resolveFresh, resolveFromLock, type ConfigProject, type NetOptions } from './config-plan.js'
import { plannedDownload, type InstallReport, type InstallReportItem } from './install-report.js'

export interface ConfigInstallOptions {
  cwd: string
  config?: string
  frozen: boolean
  mirrors: ReadonlyMap<string, string>
  dryRun: boolean
  link: boolean
  jobs: number
  refresh: boolean
  logger: Logger
  signal: AbortSignal
  onProgress?: (id: string, p: Progress) => void
  onStart?: (id: string, version: string, from: string) => void
}

export interface ConfigInstallReport extends InstallReport {
  config: string
  lockfile: { path: string; used: boolean; written: boolean }
  order: string[]
  groups: string[][]
  warnings: string[]
}

/**
 * `runner features install` with no arguments: install what `.github/runner-config.yml` asks for.
 * With a lock that matches the config, versions and artifacts (URL, sha256) come from the lock and
 * nothing is resolved upstream. `--frozen` never re-resolves and never writes the lock: a missing
 * or outdated lock, or one without this platform, fails before any download. Without `--frozen`
 * an outdated or missing lock is re-resolved (keeping still-valid locked versions) and rewritten.
 * Features install in parallel up to `jobs`; a feature starts when everything it comes after is done.
 */
export async function installFromConfig(rt: Runtime, opts: ConfigInstallOptions): Promise<ConfigInstallReport> {
  const project = await loadProject(rt, opts.cwd, opts.config)
  let cacheDir = rt.cacheDir
  let throwaway: string | undefined
  if (project.config.cache?.enabled === false) cacheDir = throwaway = await mkdtemp(join(tmpdir(), 'runner-features-cache-'))
  else if (project.config.cache?.path && !rt.env.RUNNER_FEATURES_CACHE_DIR) cacheDir = project.config.cache.path
  let requests = 0
  const net: NetOptions = { mirrors: opts.mirrors, env: rt.env, cacheDir, logger: opts.logger, signal: opts.signal, refresh: opts.refresh, onRequest: () => void requests++ }
  try {
    const key = platformKey(project.platform) as LockPlatform
    let lock = project.lock
    let resolution: Resolution
    let written = false
    const usable = lock && project.lockDifferences.length === 0
    if (opts.frozen) {
      if (!lock) throw new RunnerError('LOCKFILE_MISSING', 'there is no lock to install from', { where: project.lockFile, hint: 'run `runner features lock` and commit runner-features.lock, or drop --frozen' })
      if (!usable) throw outdatedError(project)
      resolution = resolveFromLock(project)
    } else if (usable && lockHasPlatform(project, lock!, key)) {
      resolution = resolveFromLock(project)
    } else {
      resolution = await resolveFresh(project, net)
      const built = await buildLock(rt, project, resolution, ['linux-x64', 'linux-arm64', 'linux-x64-musl', 'linux-arm64-musl'], net)
      for (const w of built.warnings) opts.logger.warn(w)
      lock = built.lock
      if (!opts.dryRun) written = await writeLockfile(project.lockFile, lock)
    }
    for (const f of resolution.features) {
      const ref = project.plugins.get(f.id)!
      assertSupported(ref.manifest, project.platform, `${f.id}@${f.version.version} (${f.requirements[0]!.source})`)
      if (f.version.version !== SYSTEM_VERSION && !lock!.features[f.id]?.platforms[key]) {
        throw new RunnerError('LOCKFILE_MISSING_PLATFORM', `the lock has no ${key} entry for ${f.id}@${f.version.version}`, {
          where: `${project.lockFile} (${f.id} ${key})`,
          hint: `run \`runner features lock --platform all\` (it needs no ${key} machine) and commit the lock`,
        })
      }
    }
    for (const w of resolution.warnings) opts.logger.warn(w)

    const results = await runGraph(resolution, Math.max(1, opts.jobs), (f) => installOne(rt, project, lock!, f.id, f.version.version, key, f.requirements[0]!.spec.raw, net, opts, f.options))
    return {
      schemaVersion: 1, dryRun: opts.dryRun, results, requests, config: project.config.display,
      lockfile: { path: project.lockFile, used: Boolean(usable), written }, order: resolution.order, groups: resolution.groups, warnings: resolution.warnings,
    }
  } finally {
    if (throwaway) await rm(throwaway, { recursive: true, force: true })
  }
}

function lockHasPlatform(project: ConfigProject, lock: Lockfile, key: LockPlatform): boolean {
  return Object.entries(lock.features).every(([id, f]) => f.platforms[key] || f.version === SYSTEM_VERSION || !project.plugins.get(id)?.manifest.platforms.some((s) => s.arch.includes(project.platform.arch) && s.libc.includes(project.platform.libc)))
}

async function installOne(
  rt: Runtime, project: ConfigProject, lock: Lockfile, id: string, version: string, key: LockPlatform, spec: string, net: NetOptions, opts: ConfigInstallOptions,
  options: Readonly<Record<string, unknown>>,
): Promise<InstallReportItem> {
  const started = Date.now()
  const item: InstallReportItem = { id, spec, version, status: 'failed' }
  const feature = await project.feature(id)
  const plugin = project.plugins.get(id)!
  const shared = contextFor(project, id, net)
  const http = shared.http
  // The plugin sees its validated options (defaults applied) through its context.
  const ctx = { ...shared.ctx, options }
  if (version === SYSTEM_VERSION) return installSystem(rt, project, item, { feature, plugin, ctx, http }, net, opts, started)
  const locked = lockedArtifacts(lock.features[id]!.platforms[key]!)
  const artifacts: Artifact[] = locked.map((l) => ({ url: l.url, sha256: l.sha256, size: l.size, archive: l.archive, strip: l.strip, fileName: l.fileName, checksumSource: `${project.lockFile} (${id} ${key})` }))
  const entry = toolCacheEntry(rt.toolCacheRoot, feature.toolName, version, project.platform.arch)
  item.path = entry.installDir
  if (opts.dryRun) {
    if (await isComplete(entry)) return { ...item, status: 'already-installed' }
    return { ...item, status: 'would-install', ...plannedDownload(artifacts, (u) => redactUrl(http.resolve(u))) }
  }
  // The lock's sha256s are what get checked. When a download is needed, also read the upstream
  // checksum files so a change upstream is reported (never silently followed).
  const upstreamSha = new Map<string, string>()
  const complete = await isComplete(entry)
  if (!complete) {
    const upstream = await artifactsFor(feature, { version }, project.platform, ctx).catch(() => [])
    for (const a of upstream) upstreamSha.set(a.url, a.sha256.toLowerCase())
    for (const l of locked) {
      const now = upstreamSha.get(l.url)
      if (now && now !== l.sha256) opts.logger.warn(`${id}@${version}: the upstream checksum file now says sha256 ${now}${locked.length > 1 ? ` for ${l.url}` : ''}, the lock says ${l.sha256}; verifying against the lock`)
    }
  }
  if (!complete) opts.onStart?.(id, version, redactUrl(http.resolve(feature.upstream)))
  try {
    const outcome = await installFeature(
      { feature, plugin, version: { version }, platform: project.platform, ctx, http, artifacts },
      {
        toolCacheRoot: rt.toolCacheRoot, binDir: rt.binDir, cacheDir: net.cacheDir, stateFile: rt.stateFile, env: rt.env, link: opts.link,
        onProgress: (p) => opts.onProgress?.(id, p), onWait: (what) => opts.logger.info(`waiting for another process installing ${what}`),
      },
    )
    return {
      ...item, status: outcome.status, path: outcome.record.path, sourceUrl: outcome.record.sourceUrl, sha256: outcome.record.sha256,
      size: outcome.record.size, fromCache: outcome.fromCache, links: outcome.record.links, seconds: (Date.now() - started) / 1000,
      ...(outcome.record.artifacts ? { artifacts: outcome.record.artifacts } : {}),
    }
  } catch (err) {
    if (isRunnerError(err) && err.code === 'CHECKSUM_MISMATCH') {
      // The failing artifact is the locked one whose sha256 was expected.
      const bad = locked.find((l) => l.sha256 === err.details?.expected) ?? locked[0]!
      const upstream = upstreamSha.get(bad.url)
      throw new RunnerError('CHECKSUM_MISMATCH', `${err.message}; the lock pins sha256 ${bad.sha256}${upstream ? `, the upstream checksum file says ${upstream}` : ''}`, {
        where: err.where,
        hint: upstream && upstream !== bad.sha256
          ? 'upstream re-published this version with different bytes; check why, then `runner features upgrade` to accept the new checksum'
          : 'the mirror or network served different bytes than the lock pins; nothing was installed',
        details: { lockSha256: bad.sha256, upstreamSha256: upstream ?? null },
        cause: err,
      })
    }
    throw err
  }
}

/**
 * Runs `fn` for every feature, at most `limit` at once, each once all features it comes after have
 * succeeded; ready features start in install order. A feature whose dependency failed is reported
 * failed without running. Results come back in install order.
 */
async function runGraph(resolution: Resolution, limit: number, fn: (f: Resolution['features'][number]) => Promise<InstallReportItem>): Promise<InstallReportItem[]> {
  const results = new Map<string, InstallReportItem>()
  const pending = [...resolution.features]
  let running = 0
  return new Promise((resolveAll) => {
    const pump = () => {
      for (let i = 0; i < pending.length && running < limit; ) {
        const f = pending[i]!
        const blockers = f.after.filter((a) => !results.has(a))
        if (blockers.length) {
          i++
          continue
        }
        pending.splice(i, 1)
        const failedDep = f.after.find((a) => results.get(a)!.status === 'failed')
        if (failedDep) {
          const dep = results.get(failedDep)!
          results.set(f.id, { id: f.id, spec: f.requirements[0]!.spec.raw, version: f.version.version, status: 'failed', error: { code: dep.error?.code ?? 'DOWNLOAD_FAILED', message: `not installed: ${failedDep}, which it installs after, failed`, where: f.id, hint: `fix ${failedDep} first` } })
          continue
        }
        running++
        fn(f)
          .catch((err: unknown): InstallReportItem => {
            const e = isRunnerError(err) ? err : new RunnerError('DOWNLOAD_FAILED', (err as Error).message, { where: f.id, cause: err })
            return { id: f.id, spec: f.requirements[0]!.spec.raw, version: f.version.version, status: 'failed', error: { code: e.code, message: e.message, where: e.where, hint: e.hint } }
          })
          .then((r) => {
            results.set(f.id, r)
            running--
            pump()
          })
      }
      if (pending.length === 0 && running === 0) resolveAll(resolution.order.map((id) => results.get(id)!))
    }
    pump()
  })
}

/** Distro-package features: nothing locked to bytes; the package manager installs (or finds) them. */
async function installSystem(
  rt: Runtime, project: ConfigProject, item: InstallReportItem, t: Pick<Parameters<typeof installFeature>[0], 'feature' | 'plugin' | 'ctx' | 'http'>,
  net: NetOptions, opts: ConfigInstallOptions, started: number,
): Promise<InstallReportItem> {
  if (opts.dryRun) return { ...item, status: 'would-install', fetchFrom: `the ${project.platform.distro.id} package manager` }
  try {
    const outcome = await installFeature(
      { ...t, version: { version: SYSTEM_VERSION }, platform: project.platform },
      { toolCacheRoot: rt.toolCacheRoot, binDir: rt.binDir, cacheDir: net.cacheDir, stateFile: rt.stateFile, env: rt.env, link: opts.link },
    )
    return { ...item, status: outcome.status, path: outcome.record.path, sourceUrl: outcome.record.sourceUrl, seconds: (Date.now() - started) / 1000 }
  } catch (err) {
    const e = isRunnerError(err) ? err : new RunnerError('PACKAGE_MANAGER_FAILED', (err as Error).message, { where: item.id, cause: err })
    return { ...item, status: 'failed', error: { code: e.code, message: e.message, where: e.where, hint: e.hint } }
  }
}
