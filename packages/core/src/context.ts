import type { Platform } from './platform.js'

/** Minimal schema shape (satisfied by zod) so core and plugins need not share one zod copy. */
export interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } }
}

/**
 * HTTP as plugins see it. Core's implementation retries, times out, applies the feature's mirror
 * (refusing URLs outside the upstream when a mirror is set) and caches indexes briefly.
 */
export interface HttpClient {
  text(url: string): Promise<string>
  /** Parses JSON and, with a schema, validates it (`UPSTREAM_FORMAT` on mismatch). */
  json<T = unknown>(url: string, schema?: Schema<T>): Promise<T>
}

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Process execution as plugins and package managers see it; never a shell string. */
export type Exec = (file: string, args: readonly string[], options?: { cwd?: string; env?: Record<string, string>; input?: string }) => Promise<ExecResult>

export interface Logger {
  info(message: string): void
  warn(message: string): void
  debug(message: string): void
}

/** The only route from a plugin to I/O. */
export interface FeatureContext {
  platform: Platform
  http: HttpClient
  exec: Exec
  logger: Logger
  signal: AbortSignal
  /**
   * The feature's options, validated against its `options` schema with defaults applied (from the
   * team config and dependents' `dependsOn`). Empty for command-line installs.
   */
  options?: Readonly<Record<string, unknown>>
}
