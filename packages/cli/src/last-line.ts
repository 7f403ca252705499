import { RunnerError } from '@runner-features/core'
import { normaliseError } from '@runner-features/engine/fast'
import { printError } from './output.js'
import { runState } from './run-state.js'

/** The reader of stdout went away (`runner … | head -1`): not an error, just nobody listening. */
export function isBrokenPipe(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'EPIPE'
}

/**
 * The last line of defence: an exception or rejection nobody handled becomes a coded error
 * (INTERNAL_ERROR keeping its real message, or DISK_FULL / PERMISSION_DENIED), printed once, as
 * JSON with `--json`, exit 1. The process is not exited here: the run's controller is aborted so
 * every install in flight fails and runs its own cleanup (staging dir, lock, partial download),
 * and the event loop drains as after any known error. A grace timer (unref'd, so it never keeps
 * the process alive) ends a run whose cleanup hangs.
 */
export function guardProcess(argv: readonly string[]): void {
  const state = runState()
  state.json = argv.includes('--json')
  const onFatal = (err: unknown) => {
    if (isBrokenPipe(err)) return
    if (state.fatal) return
    process.exitCode = printError(err, state.json)
    state.fatal = true
    state.controller.abort(normaliseError(err))
    setTimeout(() => process.exit(1), 10_000).unref()
  }
  process.on('uncaughtException', onFatal)
  process.on('unhandledRejection', onFatal)
}

/**
 * Ctrl-C / SIGTERM during an install: abort the run (`INTERRUPTED`) so installs clean up; a
 * second signal exits at once.
 */
export function abortOnSignals(): AbortSignal {
  const { controller } = runState()
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130)
    controller.abort(new RunnerError('INTERRUPTED', `interrupted by ${signal}`, { hint: 'run the command again; what was in flight was cleaned up' }))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return controller.signal
}
