/**
 * The one error family of runner-features. Every failure a user can cause or meet carries a stable
 * UPPER_SNAKE `code` (listed in docs/errors.md), says what went wrong, where (`where`: a file:line,
 * a flag, a `feature@spec`) and what to do next (`hint`). Commands render it as text or, with
 * `--json`, as the object from {@link RunnerError.toJSON}.
 */
export const ERROR_CODES = [
  'ARCHIVE_TOO_LARGE',
  'ARCHIVE_UNSAFE',
  'ARCHIVE_UNSUPPORTED',
  'BIN_CONFLICT',
  'BUNDLE_INVALID',
  'BUNDLE_MISMATCH',
  'CHECKSUM_MISMATCH',
  'CHECKSUM_MISSING',
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'DEPENDENCY_CONFLICT',
  'DEPENDENCY_CYCLE',
  'DISK_FULL',
  'DOWNLOAD_FAILED',
  'GROUP_SETUP_FAILED',
  'INSTALL_LOCKED',
  'INTERNAL_ERROR',
  'INTERRUPTED',
  'INVALID_ARGUMENT',
  'INVALID_MIRROR',
  'INVALID_OPTIONS',
  'INVALID_SPEC',
  'LOCKFILE_INVALID',
  'LOCKFILE_MISSING',
  'LOCKFILE_MISSING_PLATFORM',
  'LOCKFILE_OUTDATED',
  'MIRROR_ESCAPE',
  'MIRROR_REQUIRED',
  'NEEDS_ROOT',
  'NOT_INSTALLED',
  'OFFLINE_UNAVAILABLE',
  'PACKAGE_MANAGER_FAILED',
  'PERMISSION_DENIED',
  'PLUGIN_INSTALL_FAILED',
  'PLUGIN_INTEGRITY_MISMATCH',
  'PLUGIN_INVALID',
  'PLUGIN_NOT_ALLOWED',
  'REPOSITORY_KEY_MISMATCH',
  'SIGNATURE_DOWNGRADE',
  'SIGNATURE_INVALID',
  'SIGNATURE_MISSING',
  'SMOKE_TEST_FAILED',
  'POST_INSTALL_FAILED',
  'STATE_CORRUPT',
  'UNKNOWN_COMMAND',
  'UNKNOWN_FEATURE',
  'UNSUPPORTED_PLATFORM',
  'UPSTREAM_FORMAT',
  'VERSION_NOT_FOUND',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export interface RunnerErrorOptions {
  /** Where the bad input came from: `--mirror`, `nodejs@99`, `.github/runner-config.yml:4`. */
  where?: string
  /** What the user can do next; printed as `hint: …`. */
  hint?: string
  cause?: unknown
  /** Machine-readable extras for `--json` (never credentials). */
  details?: Record<string, unknown>
}

class RunnerErrorImpl extends Error {
  readonly code: ErrorCode
  readonly where?: string
  readonly hint?: string
  readonly details?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: RunnerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RunnerError'
    this.code = code
    this.where = options.where
    this.hint = options.hint
    this.details = options.details
  }

  /** The `--json` shape: `{error: {code, message, where?, hint?, details?}}`. */
  toJSON(): { error: { code: ErrorCode; message: string; where?: string; hint?: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, where: this.where, hint: this.hint, details: this.details } }
  }

  /** Human form: `error CODE: where: message` then `  hint: …`. */
  render(): string {
    const head = `error ${this.code}: ${this.where ? `${this.where}: ` : ''}${this.message}`
    return this.hint ? `${head}\n  hint: ${this.hint}` : head
  }
}

/**
 * One class identity however many copies of this module are loaded (the CLI's bundles, the
 * installer, each plugin's bundle): the first copy registers its class under a global symbol and
 * every copy exports that one, so `instanceof RunnerError` holds for an error thrown by any of them
 * and nothing has to match errors by name.
 */
const REGISTRY = Symbol.for('@runner-features/core:RunnerError')
export const RunnerError: typeof RunnerErrorImpl = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= RunnerErrorImpl) as typeof RunnerErrorImpl
export type RunnerError = RunnerErrorImpl

export function isRunnerError(value: unknown): value is RunnerError {
  return value instanceof RunnerError
}

/** Removes `user:password@` from URLs so credentials never reach a message or a log line. */
export { redactUrl } from './redact-url.js'
