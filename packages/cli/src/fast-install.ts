// Loaded by fast.ts for a `features install` that has real work to do (or installs the team config):
// the same runInstall as the oclif command, so a fresh install does not pay oclif's start-up.
import { printError, printJson, stderrLogger } from './output.js'
import { runInstall } from './ops/install-run.js'
import { createRuntime } from './runtime.js'

export async function runFastInstall(specs: string[], flags: { binDir?: string; link: boolean; json: boolean; frozen: boolean; config?: string }): Promise<void> {
  try {
    const report = await runInstall(createRuntime({ 'bin-dir': flags.binDir }), {
      specs, mirror: [], dryRun: false, link: flags.link, refresh: false, frozen: flags.frozen, config: flags.config, json: flags.json, logger: stderrLogger,
    })
    if (flags.json) printJson(report)
  } catch (err) {
    process.exitCode = printError(err, flags.json)
  }
}
