import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A throwaway tool cache, bin dir, caches and plugins dir, and a way to run the CLI against them. */
export interface RunnerSandbox {
  dir: string
  toolCache: string
  binDir: string
  run(args: string[], env?: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }>
  cleanup(): Promise<void>
}

/**
 * Runs the built `runner` CLI (`cli`: its `bin/run.js`) as a user would, with every location in a
 * temp dir and nothing from the parent's `RUNNER_*`/`GITHUB_*` environment. For end-to-end tests of
 * a plugin against a {@link startFixtureMirror}.
 */
export async function runnerSandbox(cli: string, env: Record<string, string> = {}): Promise<RunnerSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-kit-'))
  const base: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RUNNER_') && !k.startsWith('GITHUB_')) base[k] = v
  Object.assign(base, {
    RUNNER_TOOL_CACHE: join(dir, 'toolcache'),
    RUNNER_FEATURES_BIN_DIR: join(dir, 'bin'),
    RUNNER_FEATURES_CACHE_DIR: join(dir, 'cache'),
    RUNNER_FEATURES_PLUGINS_DIR: join(dir, 'plugins'),
    HOME: dir,
    ...env,
  })
  return {
    dir,
    toolCache: base.RUNNER_TOOL_CACHE!,
    binDir: base.RUNNER_FEATURES_BIN_DIR!,
    run: (args, extra = {}) => new Promise((ok, fail) => {
      const child = spawn(process.execPath, [cli, ...args], { env: { ...base, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d))
      child.stderr.on('data', (d: Buffer) => (stderr += d))
      child.once('error', fail)
      child.once('close', (code) => ok({ exitCode: code ?? -1, stdout, stderr }))
    }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
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
