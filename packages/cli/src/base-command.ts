import { Command, Flags } from '@oclif/core'
import type { Logger } from '@runner-features/core'
import { printError, stderrLogger } from './output.js'

/** Shared behaviour: `--json`, and every error printed as `error CODE: … / hint: …` (or JSON) with exit 1. */
export abstract class RunnerCommand extends Command {
  static enableJsonFlag = true

  protected logger: Logger = stderrLogger

  protected async catch(err: Error & { oclif?: { exit?: number }; code?: string }): Promise<void> {
    // oclif's own exits (--help, exit()) pass through untouched.
    if (err.oclif?.exit !== undefined && err.code === 'EEXIT') throw err
    // The command did call parse (which threw): no "did not parse its arguments" warning after the error.
    this.parsed = true
    process.exitCode = printError(err, this.jsonEnabled())
  }
}

export const mirrorFlag = Flags.string({
  description: 'Replace a feature\'s upstream base URL: <id>=<url> (repeatable). Env: RUNNER_FEATURES_MIRROR_<ID>.',
  multiple: true,
  // Without this oclif would take the next argument (`terraform@1.5.0`) as another mirror.
  multipleNonGreedy: true,
  // No `default: []`: oclif's help would print it as "[default: ]".
  helpValue: '<id>=<url>',
})

export const refreshFlag = Flags.boolean({ description: 'Ignore cached upstream indexes and installed versions when resolving.', default: false })

export const configFlag = Flags.string({ description: 'The team config (default: .github/runner-config.yml, searched upward from the current directory).', helpValue: '<file>' })

export const binDirFlag = Flags.string({ description: 'The bin dir executables are linked into. Env: RUNNER_FEATURES_BIN_DIR. Default /usr/local/bin as root, else ~/.local/bin.', helpValue: '<dir>' })
