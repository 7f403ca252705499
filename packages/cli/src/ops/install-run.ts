import { availableParallelism } from 'node:os'
import { RunnerError, parseMirrorFlags, type Logger } from '@runner-features/core'
import { install, type ConfigInstallReport, type InstallReport } from '@runner-features/engine'
import { abortOnSignals } from '../last-line.js'
import { runState } from '../run-state.js'
import { createProgress } from '../progress.js'
import type { Runtime } from '../runtime.js'
import { printInstallReport } from './install-report.js'
import { checkFeatureArgs } from '../spec-input.js'

/** The flags of `runner features install`, as both the oclif command and the fast path pass them. */
export interface InstallRunOptions {
  specs: string[]
  mirror?: string[]
  dryRun: boolean
  link: boolean
  jobs?: number
  refresh: boolean
  config?: string
  frozen: boolean
  json: boolean
  logger: Logger
}

/**
 * `runner features install`: hands the flags to the engine, shows progress, prints the report
 * (unless `--json`: the caller prints the returned report) and every failure, and sets the exit
 * code. Shared by the oclif command and the fast path (fast-install.ts), so both behave the same.
 */
export async function runInstall(rt: Runtime, o: InstallRunOptions): Promise<InstallReport> {
  checkFeatureArgs(o.specs)
  // One call, one plan: several versions of one feature are planned and ordered by the engine.
  const report = await installOnce(rt, o)
  const failed = report.results.filter((r) => r.status === 'failed')
  // After a fatal error (already reported by the last line of defence) the aborted lines add nothing.
  if (!o.json && !runState().fatal) {
    printInstallReport(report, false)
    if ('lockfile' in report) {
      const r = report as ConfigInstallReport
      o.logger.info(`${r.config}: ${plural(r.results.length, 'feature')} in ${plural(r.groups.length, 'parallel group')}; ${lockVerb(r, o.dryRun, failed.length > 0)} ${r.lockfile.path}`)
    }
    for (const f of failed) process.stderr.write(`${new RunnerError(f.error!.code as never, f.error!.message, { where: f.error!.where, hint: f.error!.hint }).render()}\n`)
  }
  if (failed.length) process.exitCode = 1
  return report
}

async function installOnce(rt: Runtime, o: InstallRunOptions): Promise<InstallReport> {
  const progress = createProgress()
  return install(rt, {
    specs: o.specs, cwd: process.cwd(), config: o.config, frozen: o.frozen, mirrors: parseMirrorFlags(o.mirror ?? []), dryRun: o.dryRun, link: o.link,
    jobs: o.jobs ?? availableParallelism(), refresh: o.refresh, logger: o.logger, signal: abortOnSignals(),
    onStart: (id, version, from) => progress.start(id, version, from),
    onProgress: (id, p) => progress.update(id, p),
  }).finally(() => progress.done())
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** What happened to the lock, said truthfully: "installed from" only when every install succeeded. */
function lockVerb(r: ConfigInstallReport, dryRun: boolean, failed: boolean): string {
  if (r.lockfile.written) return 'wrote'
  if (!r.lockfile.used) return 'kept'
  if (dryRun) return 'would install from'
  return failed ? 'read (not every install succeeded)' : 'installed from'
}
