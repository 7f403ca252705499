import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { cacheRoot } from '@runner-features/fixture-mirror'

const run = promisify(execFile)
const VENDOR = fileURLToPath(new URL('./vendor/', import.meta.url))

export type ActionName = 'setup-go' | 'setup-java' | 'setup-node' | 'setup-python' | 'setup-kubectl' | 'setup-helm'

/** A vendored action, unpacked: its directory and what its action.yml declares. */
export interface VendoredAction {
  name: ActionName
  dir: string
  /** `runs.main`, relative to `dir`. */
  main: string
  /** Input name → its action.yml default (undefined when it has none). */
  inputs: Record<string, string | undefined>
}

/** What one run of an action's `main` left behind, as the runner would read it. */
export interface ActionRun {
  exitCode: number
  /** stdout + stderr: the step log (`::debug::` lines included, as with step debug logging on). */
  log: string
  /** Lines the action appended to `GITHUB_PATH`, in order. */
  path: string[]
  /** Variables written to `GITHUB_ENV` (both `K=V` and heredoc forms). */
  env: Record<string, string>
  /** Step outputs written to `GITHUB_OUTPUT`. */
  outputs: Record<string, string>
  /** Connections the action opened to the proxy every request must go through: 0 = no network. */
  networkAttempts: number
}

/**
 * Unpacks `vendor/<name>/action.tar.gz` (once, into the fixture cache), after checking its sha256
 * against the one SOURCE.md records, so a changed bundle cannot slip in unnoticed.
 */
export async function loadAction(name: ActionName): Promise<VendoredAction> {
  const archive = join(VENDOR, name, 'action.tar.gz')
  const bytes = await readFile(archive)
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const recorded = /sha256 `([0-9a-f]{64})`/.exec(await readFile(join(VENDOR, name, 'SOURCE.md'), 'utf8'))?.[1]
  if (sha256 !== recorded) throw new Error(`${archive}: sha256 ${sha256} differs from SOURCE.md's ${recorded}`)
  const dir = join(cacheRoot(), 'setup-actions', `${name}-${sha256.slice(0, 12)}`)
  if (!existsSync(dir)) {
    const tmp = `${dir}.tmp-${process.pid}`
    await rm(tmp, { recursive: true, force: true })
    await mkdir(tmp, { recursive: true })
    await run('tar', ['-xzf', archive, '-C', tmp])
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another test worker unpacked it first.
      await rm(tmp, { recursive: true, force: true })
      if (!existsSync(dir)) throw err
    })
  }
  const meta = parseYaml(await readFile(join(dir, 'action.yml'), 'utf8')) as { inputs?: Record<string, { default?: unknown }>; runs: { using: string; main: string } }
  if (meta.runs.using !== 'node24') throw new Error(`${name}: runs.using is ${meta.runs.using}; these tests run it with Node 24`)
  const inputs = Object.fromEntries(Object.entries(meta.inputs ?? {}).map(([k, v]) => [k, v?.default === undefined ? undefined : String(v.default)]))
  return { name, dir, main: meta.runs.main, inputs }
}

/**
 * The runner's value for an input default: a literal as written; an expression evaluated as it
 * would be on a self-hosted runner of a GHES or offline instance (`github.token` → empty,
 * `job.status` → `success`).
 */
function evaluateDefault(value: string): string {
  if (!value.includes('${{')) return value
  if (/^\$\{\{\s*job\.status\s*\}\}$/.test(value)) return 'success'
  return ''
}

export interface RunOptions {
  /** Inputs as a workflow's `with:` gives them; every other declared input gets its default. */
  with: Record<string, string>
  toolCache: string
  /** Extra environment (e.g. `AGENT_TOOLSDIRECTORY`); the job PATH is `/usr/bin:/bin`. */
  env?: Record<string, string>
}

/**
 * Runs the action's `main` as the runner does: Node 24 (this process's binary; a shell wrapper
 * would drop the hyphenated `INPUT_GO-VERSION` names), `INPUT_<NAME>` for every input
 * (upper-cased, spaces to `_`, hyphens kept), `RUNNER_TOOL_CACHE`, `RUNNER_TEMP`, the
 * `GITHUB_PATH`/`GITHUB_ENV`/`GITHUB_OUTPUT`/`GITHUB_STATE` files, `RUNNER_OS=Linux`,
 * `RUNNER_ARCH=X64`, and no Actions cache service. Every proxy variable points at a local listener
 * that counts and drops connections, so any request the action makes fails and is counted.
 */
export async function runAction(action: VendoredAction, opts: RunOptions): Promise<ActionRun> {
  for (const name of Object.keys(opts.with)) if (!(name in action.inputs)) throw new Error(`${action.name} has no input "${name}"`)
  const work = await mkdtemp(join(tmpdir(), `rf-${action.name}-`))
  const trap = await startTrapProxy()
  try {
    const files = { GITHUB_PATH: 'path', GITHUB_ENV: 'env', GITHUB_OUTPUT: 'output', GITHUB_STATE: 'state', GITHUB_STEP_SUMMARY: 'summary' }
    const fileEnv: Record<string, string> = {}
    for (const [k, f] of Object.entries(files)) {
      fileEnv[k] = join(work, f)
      await writeFile(fileEnv[k]!, '')
    }
    for (const d of ['temp', 'home', 'workspace']) await mkdir(join(work, d))
    const inputs: Record<string, string> = {}
    for (const [name, def] of Object.entries(action.inputs)) {
      const value = opts.with[name] ?? (def === undefined ? '' : evaluateDefault(def))
      inputs[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
    }
    const env: Record<string, string> = {
      PATH: '/usr/bin:/bin',
      HOME: join(work, 'home'),
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: join(work, 'temp'),
      RUNNER_TOOL_CACHE: opts.toolCache,
      GITHUB_WORKSPACE: join(work, 'workspace'),
      GITHUB_ACTION_PATH: action.dir,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      ...fileEnv,
      ...Object.fromEntries(['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].map((k) => [k, trap.url])),
      // Node's own fetch honours the proxy variables only with this set.
      NODE_USE_ENV_PROXY: '1',
      ...inputs,
      ...opts.env,
    }
    const { exitCode, log } = await new Promise<{ exitCode: number; log: string }>((ok, fail) => {
      const child = spawn(process.execPath, [join(action.dir, action.main)], { env, cwd: env.GITHUB_WORKSPACE, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d))
      child.stderr.on('data', (d: Buffer) => (out += d))
      child.once('error', fail)
      child.once('close', (code) => ok({ exitCode: code ?? -1, log: out }))
    })
    const read = (k: keyof typeof files) => readFile(fileEnv[k]!, 'utf8')
    return {
      exitCode,
      log,
      path: (await read('GITHUB_PATH')).split('\n').filter(Boolean),
      env: parseCommandFile(await read('GITHUB_ENV')),
      outputs: parseCommandFile(await read('GITHUB_OUTPUT')),
      networkAttempts: trap.connections(),
    }
  } finally {
    await trap.close()
    await rm(work, { recursive: true, force: true })
  }
}

/** `GITHUB_ENV`/`GITHUB_OUTPUT` contents: `K=V` lines and `K<<DELIM … DELIM` blocks, as the runner reads them. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (!line) continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1)
      if (end === -1) throw new Error(`unterminated ${heredoc[1]} block`)
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n')
      i = end
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

/** A TCP listener standing in for the only route out: it counts connections and closes them at once. */
async function startTrapProxy(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
  let count = 0
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    count++
    sockets.add(socket)
    socket.on('error', () => {})
    socket.destroy()
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () => new Promise<void>((ok) => {
      for (const s of sockets) s.destroy()
      server.close(() => ok())
    }),
  }
}
