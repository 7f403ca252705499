import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { mirrorEnvName } from '@runner-features/core'
import { startFixtureMirror, type FixtureMirror } from './mirror.js'
import { findRunnerCli, runnerSandbox, type RunnerResult, type RunnerSandbox } from './sandbox.js'

/** What a plugin's `fixtures/mirror.ts` builds: the directory to serve, and how. */
export interface HarnessMirror {
  root: string
  /** The path under `root` that stands for the feature's upstream (go.dev's `dl/`); default `root` itself. */
  base?: string
  /** Paths answered with a 302 to another path, as upstream answers them (GitHub's `releases/latest/download/…`). */
  redirects?: Record<string, string>
}

/** How {@link mirrorHarness} builds and serves one plugin's mirror and points the CLI at it. */
export interface MirrorHarnessOptions<M extends HarnessMirror> {
  /**
   * The feature whose `RUNNER_FEATURES_MIRROR_<ID>` is set to the served mirror. Leave it out when
   * `env` routes the CLI itself (one server for several upstream hosts: `RUNNER_FEATURES_MIRRORS`).
   */
  feature?: string
  /** Builds the layout (the plugin's `fixtures/mirror.ts`). `work` is an empty temp dir, removed by `close()`. */
  mirror(work: string): Promise<M>
  /** Answers a directory cannot hold (a JSON listing at a directory URL), kept across `reset()`. */
  overrides?(mirror: M): Record<string, string | Buffer>
  /** More environment for every sandbox; a function sees the built mirror and the server's URL. */
  env?: Record<string, string> | ((mirror: M, serverUrl: string) => Record<string, string> | Promise<Record<string, string>>)
  /**
   * A plugin folder (e.g. `new URL('../', import.meta.url)`) installed into every sandbox with
   * `runner plugins install`, after a plugin policy naming its package is written and approved
   * (plugins outside `@runner-features/*` load only by an approved policy).
   */
  plugin?: URL
  /** Why this machine cannot build the fixture (see {@link missingCommands}): `start()` then does nothing. */
  skip?: string
  /** The CLI's `bin/run.js`; default {@link findRunnerCli} (`RUNNER_FEATURES_CLI`, else this monorepo's build). */
  cli?: string
}

/** One plugin's mirror on 127.0.0.1 and sandboxes of the CLI pointed at it, for one test file. */
export interface MirrorHarness<M extends HarnessMirror> {
  /** True when `skip` was given: use it in `describe.skipIf(e2e.skipped)`. */
  readonly skipped: boolean
  /** Builds the mirror, starts the server and makes {@link MirrorHarness.box}: `beforeAll(e2e.start, timeout)`. */
  start(): Promise<void>
  /** Forgets requests, drops a test's overrides and removes its sandboxes: `afterEach(e2e.reset)`. */
  reset(): Promise<void>
  /** Stops the server and removes every sandbox and the work dir: `afterAll(e2e.close)`. */
  close(): Promise<void>
  /** What `mirror()` returned. */
  readonly mirror: M
  readonly server: FixtureMirror
  /** The server's URL plus the mirror's `base`: what `RUNNER_FEATURES_MIRROR_<ID>` holds. */
  readonly url: string
  /** The file's shared sandbox (state carries over from test to test), removed by `close()`. */
  readonly box: RunnerSandbox
  /** A fresh sandbox for the current test, removed by `reset()`. */
  sandbox(env?: Record<string, string>): Promise<RunnerSandbox>
  /** `runner features install <spec>` in {@link MirrorHarness.box}; throws with the CLI's output when it fails. */
  install(spec: string): Promise<RunnerResult>
}

/** The mirror variable of a feature id: `go-task` → `RUNNER_FEATURES_MIRROR_GO_TASK` (core's own naming, so the two cannot drift). */
export const mirrorVariable = mirrorEnvName

/**
 * An end-to-end harness for a plugin: the plugin's fixture mirror served on 127.0.0.1 and the
 * built `runner` run in throwaway sandboxes pointed at it, so a test file states only what is its
 * own. Wire it to the test runner's hooks (kit stays runner-neutral):
 *
 * ```ts
 * const e2e = mirrorHarness({ feature: 'jq', mirror: (dir) => mirror({ dir }) })
 * beforeAll(e2e.start)
 * afterEach(e2e.reset)
 * afterAll(e2e.close)
 * test('…', async () => { const res = await e2e.box.run(['features', 'install', 'jq']) … e2e.server.requests … })
 * ```
 */
export function mirrorHarness<M extends HarnessMirror>(options: MirrorHarnessOptions<M>): MirrorHarness<M> {
  let started: { work: string; mirror: M; server: FixtureMirror; url: string; env: Record<string, string>; box: RunnerSandbox } | undefined
  const perTest: RunnerSandbox[] = []
  let cli: string | undefined
  const live = () => {
    if (!started) throw new Error(options.skip ? `mirrorHarness: skipped (${options.skip}); guard the tests with describe.skipIf(e2e.skipped)` : 'mirrorHarness: not started; call beforeAll(e2e.start)')
    return started
  }
  const serveFixed = (server: FixtureMirror, mirror: M) => {
    for (const [path, body] of Object.entries(options.overrides?.(mirror) ?? {})) server.override(path, body)
  }
  const makeSandbox = async (env: Record<string, string>) => {
    // Found when first needed, so a skipped file loads without a built CLI.
    cli ??= options.cli ?? findRunnerCli(import.meta.url)
    const box = await runnerSandbox(cli, env)
    try {
      if (options.plugin) await installPlugin(box, options.plugin)
    } catch (err) {
      await box.cleanup()
      throw err
    }
    return box
  }

  return {
    skipped: options.skip !== undefined,
    async start() {
      if (options.skip !== undefined) return void console.warn(`${options.feature ?? 'e2e'}: skipped: ${options.skip}`)
      const work = await mkdtemp(join(tmpdir(), `rf-e2e-${options.feature ?? 'mirror'}-`))
      let server: FixtureMirror | undefined
      try {
        const mirror = await options.mirror(work)
        server = await startFixtureMirror(mirror.root)
        for (const [from, to] of Object.entries(mirror.redirects ?? {})) server.redirect(from, to)
        serveFixed(server, mirror)
        const url = `${server.url}${mirror.base ?? ''}`
        const extra = typeof options.env === 'function' ? await options.env(mirror, server.url) : (options.env ?? {})
        const env = { ...(options.feature ? { [mirrorVariable(options.feature)]: url } : {}), ...extra }
        started = { work, mirror, server, url, env, box: await makeSandbox(env) }
      } catch (err) {
        // A fixture that fails to build leaves no server or temp dir behind.
        await server?.close()
        await rm(work, { recursive: true, force: true })
        throw err
      }
    },
    async reset() {
      if (!started) return
      started.server.requests.splice(0)
      started.server.clearOverrides()
      serveFixed(started.server, started.mirror)
      await Promise.all(perTest.splice(0).map((b) => b.cleanup()))
    },
    async close() {
      if (!started) return
      const { server, box, work } = started
      started = undefined
      await server.close()
      await Promise.all([...perTest.splice(0), box].map((b) => b.cleanup()))
      await rm(work, { recursive: true, force: true })
    },
    get mirror() {
      return live().mirror
    },
    get server() {
      return live().server
    },
    get url() {
      return live().url
    },
    get box() {
      return live().box
    },
    async sandbox(env = {}) {
      const box = await makeSandbox({ ...live().env, ...env })
      perTest.push(box)
      return box
    },
    async install(spec) {
      const res = await live().box.run(['features', 'install', spec])
      if (res.exitCode !== 0) throw new Error(`runner features install ${spec} exited ${res.exitCode}:\n${res.all}`)
      return res
    },
  }
}

/** Writes and approves a policy naming the plugin at `folder`, then installs it into `box`. */
async function installPlugin(box: RunnerSandbox, folder: URL): Promise<void> {
  const { name } = JSON.parse(readFileSync(new URL('package.json', folder), 'utf8')) as { name: string }
  box.env.RUNNER_FEATURES_POLICY = join(box.dir, 'runner-features.policy.yaml')
  await writeFile(box.env.RUNNER_FEATURES_POLICY, `plugins:\n  - { name: "${name}", version: "*" }\n`)
  for (const args of [['plugins', 'allow'], ['plugins', 'install', fileURLToPath(folder)]]) {
    const res = await box.run(args)
    if (res.exitCode !== 0) throw new Error(`runner ${args.join(' ')} exited ${res.exitCode}:\n${res.all}`)
  }
}

/**
 * Why a fixture that needs these commands cannot be built here (`needs apt-get and dpkg-deb`), or
 * undefined when all are on `PATH`: pass it as `skip`.
 */
export function missingCommands(...commands: string[]): string | undefined {
  const missing = commands.filter((c) => {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', c], { stdio: 'ignore' })
      return false
    } catch {
      return true
    }
  })
  return missing.length ? `needs ${missing.join(' and ')}` : undefined
}

/**
 * Runs `fn` with `vars` set in this process's environment, then restores what was there: for
 * library code that reads `process.env` itself (`@actions/tool-cache`'s `RUNNER_TOOL_CACHE`).
 */
export async function withEnv<T>(vars: Record<string, string>, fn: () => T | Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}
