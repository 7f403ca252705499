import { spawnSync } from 'node:child_process'
import { execa, type ResultPromise } from 'execa'
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { RUNNER_BIN } from '../helpers.js'
import { unprivilegedCli } from './unprivileged.js'

/** What one CLI run produced. `timedOut` means the harness had to kill a hung run. */
export interface Run {
  exitCode: number
  signal?: string
  stdout: string
  stderr: string
  timedOut: boolean
}

/** How to start the CLI: as another user, or under strace with every rename delayed (a phase hook from outside). */
export interface RunOptions {
  env?: Record<string, string>
  /**
   * Run as nobody (uid/gid 65534) through `setpriv`, the way a runner pod's non-root user runs it:
   * a world-readable copy of the CLI and Node (see unprivileged.ts), so a checkout under a 0700 dir
   * works too. Only through {@link Box.run}.
   */
  asNobody?: boolean
  /** Delay every rename(2) by `ms` before (`enter`) or after (`exit`) it happens, via `strace -e inject`. */
  delayRenames?: { when: 'enter' | 'exit'; ms: number }
  timeoutMs?: number
}

/** The uid the permission scenarios run as. */
export const NOBODY = 65534

/**
 * One scenario's world: its own tool cache, bin dir, download cache, state dir and plugins dir,
 * all handed to the CLI through the environment (nothing points at the real machine).
 */
export interface Box {
  dir: string
  toolCache: string
  binDir: string
  cacheDir: string
  stateDir: string
  env: Record<string, string>
  /** Runs the built CLI to completion. */
  run(args: string[], opts?: RunOptions): Promise<Run>
  /** Starts the built CLI in its own process group, so {@link Started.kill9} takes strace and node together (not as nobody). */
  start(args: string[], opts?: RunOptions): Started
  cleanup(): Promise<void>
}

export interface Started {
  pid: number
  /** kill -9 of the whole process group; resolves when it is gone. */
  kill9(): Promise<Run>
  /** Sends `signal` to the whole process group (SIGTERM: a pod eviction; SIGINT: Ctrl-C). */
  signal(signal: NodeJS.Signals): void
  done: Promise<Run>
}

/** A throwaway layout; `env` adds to (or overrides) the defaults, e.g. a mirror URL. */
export async function makeBox(env: Record<string, string> = {}): Promise<Box> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-faults-'))
  // mkdtemp gives 0700: the permission scenarios run the CLI as nobody inside it.
  await chmod(dir, 0o755)
  const toolCache = join(dir, 'toolcache')
  const box: Box = {
    dir,
    toolCache,
    binDir: join(dir, 'bin'),
    cacheDir: join(dir, 'cache'),
    stateDir: join(toolCache, '.runner-features'),
    env: {
      RUNNER_TOOL_CACHE: toolCache,
      RUNNER_FEATURES_BIN_DIR: join(dir, 'bin'),
      RUNNER_FEATURES_CACHE_DIR: join(dir, 'cache'),
      RUNNER_FEATURES_PLUGINS_DIR: join(dir, 'plugins'),
      HOME: dir,
      ...env,
    },
    run: async (args, opts = {}) => start(box, args, opts, opts.asNobody ? await nobodyLaunch(box.env, opts.env) : undefined).done,
    start: (args, opts = {}) => {
      if (opts.asNobody) throw new Error('runs as nobody need the world-readable CLI copy: use box.run')
      return start(box, args, opts)
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
  if (env.RUNNER_FEATURES_STATE_DIR) box.stateDir = env.RUNNER_FEATURES_STATE_DIR
  await mkdir(join(dir, 'plugins'))
  return box
}

/**
 * The CLI under test: the built one in this checkout, or `FAULTS_RUNNER_BIN` (another checkout's
 * `packages/cli/bin/run.js`, e.g. an older commit, to measure what a change fixed).
 */
const CLI = process.env.FAULTS_RUNNER_BIN || RUNNER_BIN

/** True when `cmd` runs here (strace and setpriv are the suite's only tools beyond Node). */
function available(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error === undefined
}

/** What to start: Node, the CLI and environment overrides (the defaults: this process's Node and {@link CLI}). */
interface Launch {
  node: string
  cli: string
  env: Record<string, string>
}

/**
 * The launch of a run as nobody: the world-readable copies of the CLI and Node, and of the trusted
 * keys file the run reads (it lives in the checkout's fixture-mirror cache).
 */
async function nobodyLaunch(...envs: Array<Record<string, string> | undefined>): Promise<Launch> {
  const copy = await unprivilegedCli(CLI)
  const keys = ((Object.assign({}, ...envs).RUNNER_FEATURES_TRUSTED_KEYS ?? '') as string).split(delimiter).filter(Boolean)
  if (!keys.length) return { node: copy.node, cli: copy.cli, env: {} }
  return { node: copy.node, cli: copy.cli, env: { RUNNER_FEATURES_TRUSTED_KEYS: (await Promise.all(keys.map(copy.readable))).join(delimiter) } }
}

function start(box: Box, args: string[], opts: RunOptions, launch: Launch = { node: process.execPath, cli: CLI, env: {} }): Started {
  let argv = [launch.node, launch.cli, ...args]
  for (const [wanted, cmd, pkg] of [[opts.delayRenames, 'strace', 'strace'], [opts.asNobody, 'setpriv', 'util-linux']] as const) {
    if (wanted && !available(cmd)) throw new Error(`this scenario needs ${cmd} (apt-get install ${pkg})`)
  }
  if (opts.delayRenames) {
    const calls = 'rename,renameat,renameat2'
    argv = ['strace', '-f', '-qq', '-o', '/dev/null', '-e', `trace=${calls}`, '-e', `inject=${calls}:delay_${opts.delayRenames.when}=${opts.delayRenames.ms * 1000}`, ...argv]
  }
  if (opts.asNobody) argv = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv]
  const child: ResultPromise = execa(argv[0]!, argv.slice(1), {
    env: { ...cleanEnv(), ...box.env, ...opts.env, ...launch.env },
    extendEnv: false,
    reject: false,
    detached: true,
    cwd: box.dir,
    timeout: opts.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
  })
  const done = child.then((r): Run => ({
    exitCode: r.exitCode ?? -1,
    signal: r.signal ?? undefined,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    timedOut: Boolean(r.timedOut),
  }))
  return {
    pid: child.pid!,
    done,
    signal: (signal) => {
      try {
        process.kill(-child.pid!, signal)
      } catch {
        // already gone
      }
    },
    kill9: async () => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
      return done
    },
  }
}

/** The parent environment minus anything that would point the CLI at real locations or proxies. */
function cleanEnv(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('RUNNER_') || k.startsWith('GITHUB_') || k.startsWith('VITEST') || k === 'AGENT_TOOLSDIRECTORY' || k === 'NODE_OPTIONS') continue
    // The machine's proxy settings would route the loopback mirror elsewhere; proxy scenarios set their own.
    if (/^(https?|no|all)_proxy$/i.test(k)) continue
    out[k] = v
  }
  return out
}

/** Polls `check` every 10 ms; false when `ms` passed without it holding. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 10))
  }
  return false
}
