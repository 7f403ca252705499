import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What one CLI run printed and how it exited. */
export interface RunnerResult {
  exitCode: number
  stdout: string
  stderr: string
  /** stdout and stderr interleaved as they arrived: the message of an `expect(res.exitCode, res.all)`. */
  all: string
}

/** A repository with a team config in a sandbox, and the CLI run from inside it. */
export interface RunnerRepo {
  dir: string
  /** `<dir>/.github/runner-config.yml` */
  config: string
  /** `<dir>/.github/runner-features.lock` (written by `runner features lock`). */
  lock: string
  run(args: string[], env?: Record<string, string>): Promise<RunnerResult>
}

/** A throwaway tool cache, bin dir, caches and plugins dir, and a way to run the CLI against them. */
export interface RunnerSandbox {
  dir: string
  toolCache: string
  binDir: string
  /** The download cache (`RUNNER_FEATURES_CACHE_DIR`). */
  cacheDir: string
  /** The environment every run gets; change it to affect later runs (e.g. put a fake tool first on `PATH`). */
  env: Record<string, string>
  /** Runs `runner <args>` in the sandbox, `env` added for this run only. */
  run(args: string[], env?: Record<string, string>): Promise<RunnerResult>
  /** Writes `<dir>/repo/.github/runner-config.yml` (`config`: its YAML) and runs the CLI from that repository. */
  repo(config: string): Promise<RunnerRepo>
  cleanup(): Promise<void>
}

/** Variables that point a CLI at real locations (a CI runner's own tool cache, workflow files). */
const FOREIGN_ENV = /^(RUNNER_|GITHUB_|AGENT_TOOLSDIRECTORY$)/

/**
 * Runs the built `runner` CLI (`cli`: its `bin/run.js`) as a user would, with every location in a
 * temp dir and nothing from the parent's `RUNNER_*`/`GITHUB_*` environment. For end-to-end tests of
 * a plugin against a {@link startFixtureMirror}.
 */
export async function runnerSandbox(cli: string, env: Record<string, string> = {}): Promise<RunnerSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-kit-'))
  const base: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !FOREIGN_ENV.test(k)) base[k] = v
  Object.assign(base, {
    RUNNER_TOOL_CACHE: join(dir, 'toolcache'),
    RUNNER_FEATURES_BIN_DIR: join(dir, 'bin'),
    RUNNER_FEATURES_CACHE_DIR: join(dir, 'cache'),
    RUNNER_FEATURES_PLUGINS_DIR: join(dir, 'plugins'),
    HOME: dir,
    ...env,
  })
  const run = (args: string[], extra: Record<string, string> = {}, cwd?: string) => runCli(cli, args, { ...base, ...extra }, cwd)
  return {
    dir,
    toolCache: base.RUNNER_TOOL_CACHE!,
    binDir: base.RUNNER_FEATURES_BIN_DIR!,
    cacheDir: base.RUNNER_FEATURES_CACHE_DIR!,
    env: base,
    run,
    async repo(config) {
      const repo = join(dir, 'repo')
      await mkdir(join(repo, '.github'), { recursive: true })
      await writeFile(join(repo, '.github', 'runner-config.yml'), config)
      return { dir: repo, config: join(repo, '.github', 'runner-config.yml'), lock: join(repo, '.github', 'runner-features.lock'), run: (args, extra) => run(args, extra, repo) }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

function runCli(cli: string, args: string[], env: Record<string, string>, cwd?: string): Promise<RunnerResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let all = ''
    // Decoded as a stream, so a character split across two chunks stays whole.
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      stdout += d
      all += d
    })
    child.stderr.on('data', (d: string) => {
      stderr += d
      all += d
    })
    child.once('error', fail)
    child.once('close', (code) => ok({ exitCode: code ?? -1, stdout, stderr, all }))
  })
}

/**
 * The `runner` CLI to test against: `RUNNER_FEATURES_CLI` when set (a plugin outside the monorepo
 * points it at an installed CLI's `bin/run.js`), else the monorepo's built `packages/cli/bin/run.js`
 * found walking up from `from` (a test file's `import.meta.url`).
 */
export function findRunnerCli(from: string | URL): string {
  if (process.env.RUNNER_FEATURES_CLI) return process.env.RUNNER_FEATURES_CLI
  for (let dir = dirname(fileURLToPath(from)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'packages', 'cli', 'bin', 'run.js')
    if (existsSync(candidate)) return candidate
    if (dirname(dir) === dir) throw new Error('no runner CLI found: build the monorepo (pnpm build) or set RUNNER_FEATURES_CLI to a runner bin/run.js')
  }
}
