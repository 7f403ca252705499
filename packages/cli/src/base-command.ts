import { Command, Flags } from '@oclif/core'
import type { Logger } from '@runner-features/core'
import { printError, stderrLogger } from './output.js'
import { runState } from './run-state.js'

/** Shared behaviour: `--json`, and every error printed as `error CODE: … / hint: …` (or JSON) with exit 1. */
export abstract class RunnerCommand extends Command {
  static enableJsonFlag = true

  /** Global flags every command takes (oclif merges baseFlags into each command's flags). */
  static baseFlags = {
    quiet: Flags.boolean({ char: 'q', description: 'Print only results and errors: no progress lines, notices or warnings.', helpGroup: 'GLOBAL', exclusive: ['verbose'] }),
    verbose: Flags.boolean({ description: 'Also print debug detail, and a stack with an unexpected error (as RUNNER_FEATURES_DEBUG=1).', helpGroup: 'GLOBAL' }),
  }

  protected logger: Logger = stderrLogger

  async init(): Promise<void> {
    await super.init()
    // Read before parse (each command parses its own flags); only our own arguments, not a command's after `--`.
    const end = this.argv.indexOf('--')
    const own = end === -1 ? this.argv : this.argv.slice(0, end)
    if (own.includes('--quiet') || own.includes('-q')) {
      runState().quiet = true
      this.logger = { info: () => undefined, warn: () => undefined, debug: () => undefined }
    } else if (own.includes('--verbose')) {
      process.env.RUNNER_FEATURES_DEBUG ??= '1'
    }
  }

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

/** `mirror build` and `vendor`: which of the lock's platforms to take (parsePlatforms reads the list). */
export const lockedPlatformsFlag = Flags.string({ description: 'all (every platform in the lock), or a comma-separated list of linux-x64, linux-arm64, linux-x64-musl, linux-arm64-musl, windows-x64, windows-arm64.', default: 'all' })
