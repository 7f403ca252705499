import { userInfo } from 'node:os'
import { RunnerError } from './errors.js'

/** Which setting moves each kind of directory elsewhere; named in hints so the user knows the way out. */
export type WritableDirKind = 'tool cache' | 'bin dir' | 'state dir' | 'download cache'

const SETTING: Record<WritableDirKind, string> = {
  'tool cache': 'RUNNER_TOOL_CACHE',
  'bin dir': 'RUNNER_FEATURES_BIN_DIR (or --bin-dir)',
  'state dir': 'RUNNER_FEATURES_STATE_DIR',
  'download cache': 'RUNNER_FEATURES_CACHE_DIR',
}

/** `uid 1001 (runner)`: who was refused, so "permission denied" can be checked against `ls -l`. */
export function currentUser(): string {
  const uid = process.geteuid?.() ?? process.getuid?.()
  let name: string | undefined
  try {
    name = userInfo().username
  } catch {
    // A uid without a passwd entry (common in containers started with --user 12345).
  }
  return uid === undefined ? (name ?? 'unknown user') : `uid ${uid}${name ? ` (${name})` : ''}`
}

/** Error codes of the file system that mean "full" and "not allowed", as distinct from bugs or races. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

export function isPermissionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
}

export interface FsErrorContext {
  /** What was being done, for the message: `writing the installed-state manifest`. */
  action: string
  /** The path the operation failed on (defaults to the error's own path). */
  path?: string
  /** Which configurable directory this is, so the hint names its setting. */
  kind?: WritableDirKind
  /** Bytes the operation needed, when known (DISK_FULL says how much). */
  needed?: number
}

/**
 * Turns a full disk (`ENOSPC`, `EDQUOT`) into `DISK_FULL` and a refused write (`EACCES`, `EPERM`,
 * `EROFS`) into `PERMISSION_DENIED`, each naming the path, the user and the way out. Any other
 * error is returned unchanged (it is a bug or a race, not something the user can fix by config).
 */
export function fsError(err: unknown, context: FsErrorContext): unknown {
  if (!isDiskFull(err) && !isPermissionError(err)) return err
  const e = err as NodeJS.ErrnoException
  const path = context.path ?? e.path ?? 'unknown path'
  const setting = context.kind ? SETTING[context.kind] : undefined
  if (isDiskFull(err)) {
    const needed = context.needed !== undefined ? ` (${formatBytes(context.needed)} needed)` : ''
    return new RunnerError('DISK_FULL', `no space left on the device while ${context.action}${needed}`, {
      where: path,
      hint: `free space on that file system${setting ? `, or set ${setting} to a directory on a larger volume` : ''}; nothing half-written was kept, so the same command works once there is room`,
      cause: err,
      details: { errno: e.code, path, ...(context.needed !== undefined ? { neededBytes: context.needed } : {}) },
    })
  }
  const readOnly = e.code === 'EROFS'
  const what = readOnly ? 'the file system is mounted read-only' : `${currentUser()} may not write there`
  const way = readOnly
    ? 'mount it read-write'
    : 'run as a user that owns it (or as root / with sudo)'
  return new RunnerError('PERMISSION_DENIED', `${what} (${e.code}) while ${context.action}`, {
    where: path,
    hint: `${way}${setting ? `, or set ${setting} to a writable directory` : ''}`,
    cause: err,
    details: { errno: e.code, path, user: currentUser() },
  })
}

/** `1.5 MiB`: sizes in messages (kept local: archive-limits has its own for its messages). */
function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}
