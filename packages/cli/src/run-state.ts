/**
 * State of one CLI process, shared by the fast-path bundle and oclif's command bundles (each has
 * its own copy of this module, hence the global symbol): whether `--json` was asked, the abort
 * controller every install runs under, and whether a fatal error was already reported.
 */
interface RunState {
  json: boolean
  controller: AbortController
  fatal: boolean
  /** `--quiet`: no progress lines or notices. */
  quiet?: boolean
}

const STATE = Symbol.for('@runner-features/cli:run-state')

export function runState(): RunState {
  const g = globalThis as Record<symbol, RunState | undefined>
  return (g[STATE] ??= { json: false, controller: new AbortController(), fatal: false })
}
