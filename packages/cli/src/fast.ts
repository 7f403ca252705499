/**
 * Hot paths answered before `@oclif/core` is imported. oclif's `Config.load` reads every plugin
 * before it looks at argv (~100 ms here, ≈4× a bare `node -e 0`; shared/reference/oclif-startup.md),
 * so `features list` and a no-op `features install` would pay it on every CI job. These paths
 * accept only the exact flags they understand; anything else (help, other flags, real work) returns
 * false and oclif handles the command as usual. They call the same operations as the commands.
 */
export { guardProcess } from './last-line.js'
import { readFileSync } from 'node:fs'
import { printError } from './output.js'
import { runState } from './run-state.js'
import { listFeatures, printList } from './ops/list.js'
import { createRuntime } from './runtime.js'

interface Parsed {
  positional: string[]
  json: boolean
  binDir?: string
  link: boolean
  frozen: boolean
  config?: string
}

/** Parses the small flag set the fast paths support; undefined means "not for us". */
function parse(args: readonly string[], allowed: ReadonlySet<string>): Parsed | undefined {
  const out: Parsed = { positional: [], json: false, link: true, frozen: false }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (!a.startsWith('-')) out.positional.push(a)
    else if (a === '--json' && allowed.has(a)) out.json = true
    else if (a === '--no-link' && allowed.has(a)) out.link = false
    else if (a === '--bin-dir' && allowed.has(a) && args[i + 1] && !args[i + 1]!.startsWith('-')) out.binDir = args[++i]
    else if (a.startsWith('--bin-dir=') && allowed.has('--bin-dir')) out.binDir = a.slice('--bin-dir='.length)
    else if (a === '--frozen' && allowed.has(a)) out.frozen = true
    else if (a === '--config' && allowed.has(a) && args[i + 1] && !args[i + 1]!.startsWith('-')) out.config = args[++i]
    else if (a.startsWith('--config=') && allowed.has('--config')) out.config = a.slice('--config='.length)
    else return undefined
  }
  return out
}

const LIST_FLAGS = new Set(['--json'])
const INSTALL_FLAGS = new Set(['--json', '--bin-dir', '--no-link', '--frozen', '--config'])

/** Returns true when the command was fully handled here. */
export async function fastPath(argv: readonly string[]): Promise<boolean> {
  if (argv[0] !== 'features' || process.env.RUNNER_FEATURES_NO_FAST_PATH === '1') return false
  const sub = argv[1]
  if (sub === 'list') {
    const p = parse(argv.slice(2), LIST_FLAGS)
    if (!p || p.positional.length) return false
    try {
      printList(await listFeatures(createRuntime()), p.json)
    } catch (err) {
      process.exitCode = printError(err, p.json)
    }
    return true
  }
  if (sub === 'install') {
    const p = parse(argv.slice(2), INSTALL_FLAGS)
    if (!p) return false
    // Named features: first the no-op check (no semver-heavy planning, no plugin code).
    if (p.positional.length > 0 && !p.frozen && p.config === undefined) {
      try {
        // A separate bundle, loaded only here: version matching needs semver, which `list` does not.
        const { tryNoopInstall, printInstallReport } = await import('./fast-noop.js')
        const report = await tryNoopInstall(createRuntime({ 'bin-dir': p.binDir }), p.positional, p.link)
        if (report) {
          printInstallReport(report, p.json)
          return true
        }
      } catch {
        // Bad input: let the full command produce the error with its usual context.
        return false
      }
    }
    // Real work, or the team config: the same operation as the oclif command, without oclif's
    // ~100 ms Config.load.
    const { runFastInstall } = await import('./fast-install.js')
    await runFastInstall(p.positional, { binDir: p.binDir, link: p.link, json: p.json, frozen: p.frozen, config: p.config })
    return true
  }
  return false
}

/**
 * Everything the fast paths do not handle: oclif, loaded only now. Its own error handler would
 * print a stack and `process.exit()`; instead usage errors and unexpected ones are printed as
 * coded errors here and the exit code is set, so pending cleanups still run.
 */
export async function runOclif(argv: readonly string[], root: string): Promise<void> {
  const oclif = await import('@oclif/core')
  try {
    await oclif.run(helpAlias(argv), root)
    await oclif.flush()
  } catch (err) {
    const e = err as { code?: unknown; oclif?: { exit?: number } }
    // `this.exit(n)` and help's exit: not errors.
    if (e?.code === 'EEXIT' && typeof e.oclif?.exit === 'number') process.exitCode = e.oclif.exit
    else process.exitCode = printError(err, runState().json, commandIds(root))
  }
}

/** `-h` means `--help` as in every other CLI (oclif alone calls it a nonexistent flag); not after `--`. */
function helpAlias(argv: readonly string[]): string[] {
  const end = argv.indexOf('--')
  return argv.map((a, i) => (a === '-h' && (end === -1 || i < end) ? '--help' : a))
}

/** The commands in `features install` form, from the manifest the build writes (for did-you-mean). */
function commandIds(root: string): string[] {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../oclif.manifest.json', root), 'utf8')) as { commands?: Record<string, { hidden?: boolean }> }
    return Object.entries(manifest.commands ?? {}).filter(([, c]) => !c.hidden).map(([id]) => id.replaceAll(':', ' '))
  } catch {
    return []
  }
}
