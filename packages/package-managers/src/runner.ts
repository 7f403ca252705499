import { RunnerError, type ExecResult } from '@runner-features/core'
import type { PmDeps } from './deps.js'

/** How a command is shown in errors and logs: `DEBIAN_FRONTEND=noninteractive apt-get install -y …`. */
export function display(file: string, args: readonly string[], env: Record<string, string> = {}): string {
  return [...Object.entries(env).map(([k, v]) => `${k}=${v}`), file, ...args].join(' ')
}

const SUDO_REFUSED = /a password is required|a terminal is required|no tty present|is not in the sudoers file|not allowed to execute/i

/**
 * Runs package-manager commands. Privileged ones run directly as root, through `sudo -n` (never
 * prompting) when not root and sudo exists, and otherwise fail with `NEEDS_ROOT` before anything
 * runs. Non-zero exits become `PACKAGE_MANAGER_FAILED` with the tail of the output.
 */
export class CommandRunner {
  private sudo: Promise<string | undefined> | undefined

  constructor(private readonly deps: PmDeps, private readonly failHint: string) {}

  get isRoot(): boolean {
    return this.deps.uid === 0
  }

  /** Resolves how to become root, or throws `NEEDS_ROOT` naming what needed it. */
  async assertCanBecomeRoot(what: string): Promise<void> {
    if (this.isRoot) return
    this.sudo ??= this.deps.which('sudo')
    if (!(await this.sudo)) {
      throw new RunnerError('NEEDS_ROOT', `${what} needs root; this process runs as uid ${this.deps.uid} and sudo is not installed`, {
        where: what,
        hint: 'run as root, or install sudo and allow this user passwordless sudo (NOPASSWD), or bake these packages into the runner image',
      })
    }
  }

  /** Runs as root (directly or via `sudo -n env K=V …`); throws on failure unless `allowFailure`. */
  async root(file: string, args: readonly string[], env: Record<string, string> = {}, allowFailure?: (r: ExecResult) => boolean): Promise<ExecResult> {
    const shown = display(file, args, env)
    await this.assertCanBecomeRoot(shown)
    const result = this.isRoot
      ? await this.deps.exec(file, args, Object.keys(env).length ? { env } : undefined)
      : await this.deps.exec('sudo', ['-n', ...(Object.keys(env).length ? ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)] : []), file, ...args])
    if (!this.isRoot && result.exitCode !== 0 && SUDO_REFUSED.test(result.stderr)) {
      throw new RunnerError('NEEDS_ROOT', `sudo refused to run ${file} without a password: ${lastLines(result.stderr)}`, {
        where: shown,
        hint: 'allow this user passwordless sudo (NOPASSWD) for the package manager, or run as root',
      })
    }
    return this.check(shown, result, allowFailure)
  }

  /** Runs as the current user (queries such as dpkg-query, rpm -q, apk info). */
  async user(file: string, args: readonly string[], env: Record<string, string> = {}, allowFailure?: (r: ExecResult) => boolean): Promise<ExecResult> {
    const result = await this.deps.exec(file, args, Object.keys(env).length ? { env } : undefined)
    return this.check(display(file, args, env), result, allowFailure)
  }

  private check(shown: string, result: ExecResult, allowFailure?: (r: ExecResult) => boolean): ExecResult {
    if (result.exitCode === 0 || allowFailure?.(result)) return result
    throw new RunnerError('PACKAGE_MANAGER_FAILED', `exited ${result.exitCode}: ${lastLines(`${result.stdout}\n${result.stderr}`) || '(no output)'}`, {
      where: shown,
      hint: this.failHint,
    })
  }
}

/** The last few non-empty lines, where package managers print the actual error. */
export function lastLines(text: string, n = 6): string {
  return text.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-n).join(' | ')
}
