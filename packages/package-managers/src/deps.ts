import type { Exec, Logger, Platform } from '@runner-features/core'

/**
 * The file operations a package manager needs (keyrings, repo files, cache dirs), injected so tests
 * record them instead of touching /etc. Reads return `undefined`/`[]` for missing paths.
 */
export interface PmFs {
  readFile(path: string): Promise<string | undefined>
  /** Creates parent directories; replaces the file. */
  writeFile(path: string, data: string, mode?: number): Promise<void>
  /** `rm -rf`: no error when missing. */
  remove(path: string): Promise<void>
  /** Entry names of a directory; `[]` when it does not exist. */
  list(dir: string): Promise<string[]>
  /** Modification time, `undefined` when missing. */
  mtimeMs(path: string): Promise<number | undefined>
  /** A fresh private temporary directory (for gpg's home). */
  tempDir(): Promise<string>
}

/** Everything a backend touches. Built once per run by {@link systemDeps}, or by a test. */
export interface PmDeps {
  exec: Exec
  fs: PmFs
  /** Fetches a repository signing key (ASCII). */
  http: { text(url: string): Promise<string> }
  platform: Platform
  /** Effective uid: 0 runs commands directly, anything else through `sudo -n` (or `NEEDS_ROOT`). */
  uid: number
  /** Absolute path of an executable on PATH, or undefined. */
  which(name: string): Promise<string | undefined>
  now(): number
  logger?: Logger
  /** Package indexes older than this are refreshed before an install (default 30 minutes). */
  staleAfterMs?: number
}

export const DEFAULT_STALE_AFTER_MS = 30 * 60_000
