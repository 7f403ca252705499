import { availableParallelism } from 'node:os'
import { RunnerError, parseMirrorFlags, type Logger } from '@runner-features/core'
import type { Progress } from '@runner-features/installer'
import { createProgress } from '../progress.js'
import type { Runtime } from '../runtime.js'
import { installFromConfig, type ConfigInstallReport } from './config-install.js'
import { installFeatures } from './install.js'
import { printInstallReport, type InstallReport } from './install-report.js'

/** The flags of `runner features install`, as both the oclif command and the fast path pass them. */
export interface InstallRunOptions {
  specs: string[]
  mirror: string[]
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
 * `runner features install`: installs the named features, or the team config when none are named;
 * shows progress, prints the report (unless `--json`: the caller prints the returned report) and
 * every failure, and sets the exit code. Shared by the oclif command and the fast path in
 * fast-install.ts, so both behave the same.
 */
export async function runInstall(rt: Runtime, o: InstallRunOptions): Promise<InstallReport> {
  if (o.specs.length > 0 && (o.frozen || o.config)) {
    throw new RunnerError('INVALID_ARGUMENT', '--frozen and --config install the team config; they take no feature arguments', { where: 'arguments', hint: 'run `runner features install --frozen` alone, or name features without those flags' })
  }
  const progress = createProgress()
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort(new Error('interrupted')))
  const common = {
    mirrors: parseMirrorFlags(o.mirror), dryRun: o.dryRun, link: o.link, jobs: o.jobs ?? availableParallelism(),
    logger: o.logger, signal: controller.signal, refresh: o.refresh,
    onStart: (id: string, version: string, from: string) => progress.start(id, version, from),
    onProgress: (id: string, p: Progress) => progress.update(id, p),
  }
  const report: InstallReport = o.specs.length === 0
    ? await installFromConfig(rt, { ...common, cwd: process.cwd(), config: o.config, frozen: o.frozen })
    : await installFeatures(rt, { ...common, specs: o.specs })
  progress.done()
  const failed = report.results.filter((r) => r.status === 'failed')
  if (!o.json) {
    printInstallReport(report, false)
    if ('lockfile' in report) {
      const r = report as ConfigInstallReport
      o.logger.info(`${r.config}: ${r.results.length} features in ${r.groups.length} parallel groups; ${r.lockfile.written ? 'wrote' : r.lockfile.used ? 'installed from' : 'kept'} ${r.lockfile.path}`)
    }
    for (const f of failed) process.stderr.write(`${new RunnerError(f.error!.code as never, f.error!.message, { where: f.error!.where, hint: f.error!.hint }).render()}\n`)
  }
  if (failed.length) process.exitCode = 1
  return report
}
