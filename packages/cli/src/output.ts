import { writeSync } from 'node:fs'
import { RunnerError, isRunnerError, redactUrl, type Logger } from '@runner-features/core'
import { normaliseError } from '@runner-features/engine/fast'
import { runState } from './run-state.js'
import { isOclifUsageError, linkDocs, truncate, usageError } from './usage-errors.js'

/** Set once stdout's reader has gone (`| head`): further output is dropped, not an error. */
let stdoutClosed = false

/**
 * Writes to stdout with plain write(2) calls. Creating `process.stdout` costs ~4 ms, a tenth of
 * Node's whole start-up, on every `runner features list`. Falls back to the stream when fd 1 is
 * non-blocking and full (EAGAIN). When the reader has closed the pipe (EPIPE: `runner … | head -1`)
 * the rest is dropped quietly: nobody is reading it.
 */
export function writeOut(text: string): void {
  let buf = Buffer.from(text)
  while (buf.length && !stdoutClosed) {
    try {
      buf = buf.subarray(writeSync(1, buf))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
        stdoutClosed = true
        return
      }
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err
      process.stdout.write(buf)
      return
    }
  }
}

/**
 * Prints an error the one way users see errors: `error CODE: where: what` + `hint:`; or JSON.
 * oclif's usage errors (unknown flag, missing argument) are INVALID_ARGUMENT; anything else that
 * is not coded goes through the engine's normaliser (INTERNAL_ERROR keeping its real message,
 * DISK_FULL, PERMISSION_DENIED). Never a stack trace unless RUNNER_FEATURES_DEBUG is set.
 */
export function printError(err: unknown, json: boolean, commandIds?: readonly string[]): number {
  // The last line of defence already reported this run's fatal error; the run winding down after
  // the abort must not print a second one.
  if (runState().fatal) return 1
  const coded: RunnerError = isRunnerError(err) ? err : isOclifUsageError(err) ? usageError(err, commandIds) : normaliseError(err)
  const e = withDocLinks(coded)
  if (process.env.RUNNER_FEATURES_DEBUG && e.code === 'INTERNAL_ERROR') process.stderr.write(`debug: ${(err as Error)?.stack ?? String(err)}\n`)
  if (json) writeOut(`${JSON.stringify(e.toJSON(), null, 2)}\n`)
  else process.stderr.write(`${e.render()}\n`)
  return 1
}

/** The same error with `docs/<page>.md` in its hint and message turned into published links. */
function withDocLinks(e: RunnerError): RunnerError {
  const hint = e.hint && shortTokens(linkDocs(e.hint))
  const message = shortTokens(linkDocs(e.message))
  const where = e.where && shortTokens(e.where)
  if (hint === e.hint && message === e.message && where === e.where) return e
  return new RunnerError(e.code, redactUrl(message), { where, hint, details: e.details, cause: e })
}

/** A word of more than 200 characters is someone's pasted input, not a URL: echoed cut short. */
function shortTokens(text: string): string {
  return text.replace(/[^\s"]{201,}/g, (t) => truncate(t))
}

export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`)
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 ** 2).toFixed(1)} MB`
}

/** Column-aligned text table (no dependency: the fast path prints with it). */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n')
}

/** Progress and notices go to stderr, so stdout stays the report (or `--json`). */
export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  debug: (m) => (process.env.RUNNER_FEATURES_DEBUG ? process.stderr.write(`debug: ${m}\n`) : undefined),
}
