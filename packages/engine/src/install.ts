import { RunnerError, type ErrorCode } from '@runner-features/core'
import type { FeatureHttp } from '@runner-features/installer'
import { assertPlanLinkable } from './bin-conflicts.js'
import { defaultDeps, type EngineDeps } from './deps.js'
import { executeFeature, type ExecuteOptions } from './execute.js'
import { planArguments, planConfig, type InstallPlan, type PlannedFeature, type PlanOptions } from './plan.js'
import type { ConfigInstallReport, InstallReport, InstallReportItem } from './report.js'
import type { RunEnv } from './run-env.js'
import { runScheduled, type Schedulable } from './schedule.js'

/** Everything `runner features install` passes: what to plan and how to execute it. */
export interface InstallOptions extends PlanOptions, ExecuteOptions {
  /** Features installed at once (independent features only; dependants wait). */
  jobs: number
}

/**
 * The one install pipeline: plan (validate and resolve every request, through the dependency
 * resolver) → preflight → schedule (dependency levels, up to `jobs` at once) → execute → report.
 * CLI arguments, the team config, `--dry-run`, `--frozen` and the fast path all come here. A bad
 * request throws before anything is installed; a failing install is a failed line in the report
 * and its dependants are not attempted.
 */
export async function install(rt: RunEnv, o: InstallOptions, deps: EngineDeps = defaultDeps): Promise<InstallReport | ConfigInstallReport> {
  if (o.specs.length > 0 && (o.frozen || o.config !== undefined)) {
    throw new RunnerError('INVALID_ARGUMENT', '--frozen and --config install the team config; they take no feature arguments', { where: 'arguments', hint: 'run `runner features install --frozen` alone, or name features without those flags' })
  }
  const contexts: FeatureHttp[] = []
  let plan: InstallPlan
  try {
    plan = o.specs.length > 0 ? await planArguments(rt, o, deps, contexts) : await planConfig(rt, o, contexts)
  } catch (err) {
    // Cached index data may be why planning failed: drop it (the hint says so) so a re-run asks again.
    let out = err
    for (const http of contexts) out = await http.withIndexCacheHint(out)
    throw out
  }
  try {
    // Indexes and checksum files that parsed and resolved may be cached now; an install that fails
    // later drops what it used again (installFeature → withIndexCacheHint).
    await Promise.all(contexts.map((http) => http.commitIndexCache()))
    // Bin-link conflicts are known now, before anything is downloaded (see bin-conflicts.ts).
    await assertPlanLinkable(rt, plan, o.link)
    if (!o.dryRun && plan.features.some((f) => !f.complete)) {
      await deps.preflight?.({ toolCacheRoot: rt.toolCacheRoot, binDir: rt.binDir, stateFile: rt.stateFile, cacheDir: plan.cacheDir, link: o.link })
    }
    // The lines of one feature run one after another, in the order asked (see featureNodes); a
    // failed earlier version blocks nothing, dependants wait on the last line (the version they need).
    const results = await runScheduled(featureNodes(plan.features), o.jobs, {
      run: async (node) => {
        const items: InstallReportItem[] = []
        for (const f of node.lines) items.push(await executeFeature(rt, plan, f, o, deps))
        return items
      },
      failed: (items) => items.at(-1)!.status === 'failed',
      blocked: (node, dep, items) => node.lines.map((f) => blockedItem(f.id, f.spec, f.version.version, dep, items.at(-1)!)),
    })
    return report(plan, o.dryRun, results.flat())
  } finally {
    await plan.dispose()
  }
}

/** What the scheduler runs: every plan line of one feature id. */
interface FeatureNode extends Schedulable {
  lines: PlannedFeature[]
}

/**
 * Groups plan lines by feature id, keeping the plan's order. Several versions of one tool are run
 * in the order asked, never at once: each links its bins and appends to the job's PATH, so the one
 * named last must finish last to be the one in use (as if each had been a run of its own).
 */
function featureNodes(features: readonly PlannedFeature[]): FeatureNode[] {
  const nodes = new Map<string, FeatureNode>()
  for (const f of features) {
    const node = nodes.get(f.id)
    if (node) node.lines.push(f)
    else nodes.set(f.id, { id: f.id, after: f.after, lines: [f] })
  }
  return [...nodes.values()]
}

/** A feature not attempted because something it installs after failed: that failure's code. */
function blockedItem(id: string, spec: string, version: string, dep: string, r: InstallReportItem): InstallReportItem {
  const code = (r.error?.code ?? 'INTERNAL_ERROR') as ErrorCode
  return { id, spec, version, status: 'failed', error: { code, message: `not installed: ${dep}, which it installs after, failed`, where: id, hint: `fix ${dep} first` } }
}

function report(plan: InstallPlan, dryRun: boolean, results: InstallReportItem[]): InstallReport | ConfigInstallReport {
  const base: InstallReport = { schemaVersion: 1, dryRun, results, requests: plan.counter.requests }
  if (!plan.config) return base
  return { ...base, config: plan.config.display, lockfile: plan.config.lockfile, order: plan.features.map((f) => f.id), groups: plan.groups, warnings: plan.warnings }
}
