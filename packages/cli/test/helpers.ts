import { execa } from 'execa'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stateFile } from '@runner-features/core'
import { approvalsFileFor, approvePluginPolicy } from '@runner-features/core/config'
import { buildDemoMirror, mirrorSigningKey, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'

/** The built CLI entry; end-to-end tests run it as a child process, as users do. */
export const RUNNER_BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))

/** What a CLI run produced, as plain strings. */
export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
  /** stdout and stderr interleaved, for assertion messages. */
  all: string
}

export interface Sandbox {
  dir: string
  toolCache: string
  binDir: string
  cacheDir: string
  env: Record<string, string>
  runner(args: string[], opts?: { env?: Record<string, string>; cwd?: string }): Promise<RunResult>
  cleanup(): Promise<void>
}

/** The third-party plugins under test/fixtures (not `@runner-features/*`, so they need the plugin policy). */
export const TEST_PLUGINS = ['@acme/runner-feature-crash', '@acme/runner-feature-greet', '@acme/runner-feature-hello', '@acme/runner-feature-wave']

/** A throwaway tool cache, bin dir, download cache and plugins dir, wired through the environment. */
export async function sandbox(extraEnv: Record<string, string> = {}): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-e2e-'))
  const env: Record<string, string> = {
    RUNNER_TOOL_CACHE: join(dir, 'toolcache'),
    RUNNER_FEATURES_BIN_DIR: join(dir, 'bin'),
    RUNNER_FEATURES_CACHE_DIR: join(dir, 'cache'),
    RUNNER_FEATURES_PLUGINS_DIR: join(dir, 'plugins'),
    HOME: dir,
    // The fixture mirrors sign their checksum files with this TEST key, as upstreams sign theirs.
    RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile,
    // The third-party test plugins (test/fixtures) are allowed by an approved plugin policy.
    RUNNER_FEATURES_POLICY: join(dir, 'runner-features.policy.yaml'),
    ...extraEnv,
  }
  await writeFile(join(dir, 'runner-features.policy.yaml'), `plugins:\n${TEST_PLUGINS.map((n) => `  - { name: "${n}", version: "*" }\n`).join('')}`)
  await approvePluginPolicy(join(dir, 'runner-features.policy.yaml'), approvalsFileFor(stateFile(env)))
  return {
    dir,
    toolCache: env.RUNNER_TOOL_CACHE!,
    binDir: env.RUNNER_FEATURES_BIN_DIR!,
    cacheDir: env.RUNNER_FEATURES_CACHE_DIR!,
    env,
    runner: async (args, opts = {}) => {
      const r = await execa(process.execPath, [RUNNER_BIN, ...args], { env: { ...cleanEnv(), ...env, ...opts.env }, cwd: opts.cwd, extendEnv: false, reject: false, all: true })
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/** The parent environment minus anything that would point the CLI at real locations. */
function cleanEnv(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('RUNNER_') || k.startsWith('GITHUB_') || k === 'AGENT_TOOLSDIRECTORY') continue
    out[k] = v
  }
  return out
}

/** A free 127.0.0.1 port, for a server that must be told one (verdaccio, python's http.server). */
export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok))
  const port = (srv.address() as { port: number }).port
  await new Promise((ok) => srv.close(ok))
  return port
}

/** The demo mirror served on 127.0.0.1 and one sandbox whose terraform mirror it is, shared by a test file. */
export interface DemoSandbox {
  server: MirrorServer
  box: Sandbox
  /** Closes the server, then removes the sandbox. */
  close(): Promise<void>
}

/** Starts a {@link DemoSandbox}; `env` adds variables made from the mirror's URL (another feature's mirror, say). */
export async function demoSandbox(env: (url: string) => Record<string, string> = () => ({})): Promise<DemoSandbox> {
  const server = await startMirrorServer((await buildDemoMirror()).root)
  try {
    const box = await sandbox({ RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/`, ...env(server.url) })
    return { server, box, close: async () => { await server.close(); await box.cleanup() } }
  } catch (err) {
    await server.close()
    throw err
  }
}
