import { userInfo } from 'node:os'
import { RunnerError, isRunnerError, redactUrl } from '@runner-features/core'

/** The hint on every `INTERNAL_ERROR`: it is our bug (or a plugin's), never the user's input. */
export const REPORT_HINT = 'this is a bug in runner-features or one of its plugins, not in your input; please report it with the command you ran, `runner --version` and this message (RUNNER_FEATURES_DEBUG=1 also prints the stack)'

const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'EROFS'])

type ErrnoLike = Error & { code?: unknown; path?: unknown; dest?: unknown; syscall?: unknown }

/**
 * The one place an error becomes what users see. A `RunnerError` keeps its code. Anything else
 * that slipped through the lower layers keeps its real cause: `ENOSPC` → `DISK_FULL` and
 * `EACCES`/`EPERM`/`EROFS` → `PERMISSION_DENIED` (both with the path from the error), an abort
 * carrying a coded reason → that reason, and everything else → `INTERNAL_ERROR` with the original
 * message (credentials redacted) and a hint to report it. Never relabelled as, say, DOWNLOAD_FAILED.
 */
export function normaliseError(err: unknown, where?: string): RunnerError {
  if (isRunnerError(err)) return err
  const errno = findErrno(err)
  if (errno) {
    const path = typeof errno.path === 'string' ? errno.path : where
    if (errno.code === 'ENOSPC') {
      return new RunnerError('DISK_FULL', `no space left on the device while writing ${path ?? 'a file'}`, {
        where: path, cause: err,
        hint: 'free some space, or point RUNNER_FEATURES_CACHE_DIR / RUNNER_TOOL_CACHE at a larger volume; nothing was installed',
      })
    }
    return new RunnerError('PERMISSION_DENIED', `${currentUser()} may not write ${path ?? 'a file it needs'} (${errno.code}${typeof errno.syscall === 'string' ? ` on ${errno.syscall}` : ''})`, {
      where: path, cause: err,
      hint: 'run as a user that owns it (or root / sudo), or set RUNNER_TOOL_CACHE, RUNNER_FEATURES_BIN_DIR, RUNNER_FEATURES_CACHE_DIR to writable dirs',
    })
  }
  const reason = (err as { name?: unknown; cause?: unknown } | undefined)
  if (reason?.name === 'AbortError' && isRunnerError(reason.cause)) return reason.cause
  return internalError(err, where)
}

/** `INTERNAL_ERROR` with the real cause's class and message (credentials redacted). */
export function internalError(err: unknown, where?: string): RunnerError {
  const e = err as { name?: unknown; message?: unknown } | undefined
  const name = typeof e?.name === 'string' && e.name !== 'Error' ? `${e.name}: ` : ''
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err)
  return new RunnerError('INTERNAL_ERROR', `unexpected error: ${name}${redactUrl(message)}`, { where, hint: REPORT_HINT, cause: err })
}

/** The first errno error (ENOSPC or a permission error) in an error's cause chain. */
function findErrno(err: unknown): ErrnoLike | undefined {
  for (let e = err as ErrnoLike | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as ErrnoLike | undefined, depth++) {
    if (isRunnerError(e)) return undefined
    if (e.code === 'ENOSPC' || (typeof e.code === 'string' && PERMISSION_CODES.has(e.code))) return e
  }
  return undefined
}

function currentUser(): string {
  try {
    return `user ${userInfo().username}`
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`
  }
}
