import { artifactsFor, redactUrl, type Logger } from '@runner-features/core'
import { isComplete, systemPackagesFor, type InstallOutcome, type Progress } from '@runner-features/installer'
import type { EngineDeps } from './deps.js'
import { driftWarnings, explainLockedMismatch, upstreamChecksums } from './drift.js'
import { normaliseError } from './normalise.js'
import type { InstallPlan, PlannedFeature } from './plan.js'
import { failedItem, plannedDownload, type InstallReportItem } from './report.js'
import type { RunEnv } from './run-env.js'

/** How to execute a plan: the flags that do not change what is planned, and progress callbacks. */
export interface ExecuteOptions {
  dryRun: boolean
  link: boolean
  logger: Logger
  onProgress?: (id: string, p: Progress) => void
  /** A feature starts real work (download or package manager): `from` is where it comes from. */
  onStart?: (id: string, version: string, from: string) => void
}

/**
 * Executes one plan line and reports it; never rejects. A dry run reports what would happen. A
 * real run goes through the installer's one install flow (lock, stage, verify, smoke test, rename).
 * Any failure becomes a failed line carrying a coded error (see {@link normaliseError}).
 */
export async function executeFeature(rt: RunEnv, plan: InstallPlan, f: PlannedFeature, o: ExecuteOptions, deps: EngineDeps): Promise<InstallReportItem> {
  const started = Date.now()
  const item: InstallReportItem = { id: f.id, spec: f.spec, version: f.version.version, status: 'failed', ...(f.entry ? { path: f.entry.installDir } : {}) }
  const where = `${f.id}@${f.spec}`
  try {
    if (o.dryRun) return planLine(plan, f, item, where)
    // An earlier line of this run (the same version asked twice) or another process may have
    // installed it since planning: then it is only linked again, and nothing says "installing".
    const complete = f.complete || (f.entry !== undefined && (await isComplete(f.entry)))
    // The drift policy: the lock's checksums are verified; upstream's are read only to report a change.
    let upstream = new Map<string, string>()
    if (f.locked && !complete) {
      upstream = upstreamChecksums(await artifactsFor(f.feature, f.version, plan.platform, f.ctx).catch(() => []))
      for (const w of driftWarnings(`${f.id}@${f.version.version}`, f.locked, upstream)) o.logger.warn(w)
    }
    if (!complete) o.onStart?.(f.id, f.version.version, f.system ? `the ${plan.platform.distro.id} package manager` : redactUrl(f.http.resolve(f.feature.upstream)))
    let outcome: InstallOutcome
    try {
      outcome = await deps.installFeature(
        { feature: f.feature, plugin: f.plugin, version: f.version, platform: plan.platform, ctx: f.ctx, http: f.http, ...(f.artifacts ? { artifacts: f.artifacts } : {}) },
        {
          toolCacheRoot: rt.toolCacheRoot, binDir: rt.binDir, cacheDir: plan.cacheDir, stateFile: rt.stateFile, env: rt.env, link: o.link, limits: plan.limits,
          onProgress: (p) => o.onProgress?.(f.id, p),
          onWait: (what) => o.logger.info(`waiting for another process installing ${what}`),
        },
      )
    } catch (err) {
      throw f.locked ? explainLockedMismatch(err, f.locked, upstream) : err
    }
    const r = outcome.record
    return {
      ...item, status: outcome.status, path: r.path, sourceUrl: r.sourceUrl, sha256: r.sha256, size: r.size, fromCache: outcome.fromCache, links: r.links,
      seconds: (Date.now() - started) / 1000, ...(r.artifacts ? { artifacts: r.artifacts } : {}),
    }
  } catch (err) {
    return failedItem(item, normaliseError(err, where))
  }
}

/** The `--dry-run` line: what would be installed, from where, verified against which sha256. */
function planLine(plan: InstallPlan, f: PlannedFeature, item: InstallReportItem, where: string): InstallReportItem {
  if (f.system) {
    // Distro packages: nothing to download or checksum here; the package manager verifies them.
    const packages = systemPackagesFor(f.feature, plan.platform, where, f.ctx.options)
    return { ...item, status: 'would-install', sourceUrl: `${plan.platform.distro.family}:${packages.join(',')}`, fetchFrom: `the ${plan.platform.distro.id} package manager` }
  }
  if (f.complete) return { ...item, status: 'already-installed' }
  return { ...item, status: 'would-install', ...plannedDownload(f.artifacts ?? [], (u) => redactUrl(f.http.resolve(u))) }
}
