import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { makeBox, type Box, type Run, type RunOptions } from './box.js'
import { startFaultServer, type FaultServer } from './fault-server.js'
import { leaks, leftovers, outcomeOf } from './inspect.js'

/** Built once per suite: the fixture mirror to serve and the credentials every scenario's mirror URL carries. */
export interface World {
  mirrorRoot: string
  nodeVersion: string
  credentials: { user: string; password: string }
  /** The fixture mirrors' TEST public key file: the mirror signs its checksum files with it, as upstreams do. */
  trustedKeys: string
  /** Credentials of the HTTP proxy in the proxy scenarios. */
  proxyCredentials: { user: string; password: string }
  /** Strings that must appear in no output and no file: the password in every spelling a leak could take. */
  secrets: string[]
}

/** What a scenario body gets: a fresh fault server and box, and the checks every scenario shares. */
export interface Ctx {
  world: World
  server: FaultServer
  box: Box
  /** `runner features install <specs>` in the box. */
  install(specs: string[], opts?: RunOptions): Promise<Run>
  /** The run must end in one of `codes` (`error CODE:` + `hint:`), with nothing left behind. */
  expectError(label: string, run: Run, codes: string[]): Promise<void>
  /** The run must succeed cleanly, with nothing left behind. */
  expectSuccess(label: string, run: Run): Promise<void>
  /** Records a failed scenario-specific check. */
  problem(message: string): void
  /** Records leftovers found now (after a step that must not leave any); `layout` checks another tool cache / bin dir in the box. */
  checkLeftovers(label: string, layout?: Pick<Box, 'toolCache' | 'binDir' | 'stateDir'>): Promise<void>
}

/** One injected fault (or a few of one kind) and what must follow from it. */
export interface Scenario {
  name: string
  /** Faults this scenario injects (default 1). */
  faults?: number
  /** Needs root (tmpfs mounts, setpriv). */
  root?: boolean
  /** Extra environment for every run in the box. */
  env?: (server: FaultServer) => Record<string, string>
  run(ctx: Ctx): Promise<void>
}

/** The measured result of one scenario. */
export interface ScenarioResult {
  name: string
  injected: number
  handled: number
  problems: string[]
  leftovers: string[]
  leaks: string[]
  ms: number
}

/** `RUNNER_FEATURES_MIRROR_*` for both mirrors the fault server serves (credentials in the URL), and the key their checksum files are signed with. */
export function mirrorEnv(world: World, server: FaultServer): Record<string, string> {
  return { RUNNER_FEATURES_MIRROR_NODEJS: `${server.authUrl}nodejs/`, RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.authUrl}hashicorp/`, RUNNER_FEATURES_TRUSTED_KEYS: world.trustedKeys }
}

/**
 * Runs one scenario in its own box against its own fault server, then applies the checks every
 * scenario gets: a final leftover scan and a leak scan of every output and every file in the box.
 */
export async function runScenario(world: World, scenario: Scenario): Promise<ScenarioResult> {
  const started = Date.now()
  const server = await startFaultServer(world.mirrorRoot, world.credentials)
  const box = await makeBox({ ...mirrorEnv(world, server), ...scenario.env?.(server) })
  const problems: string[] = []
  const found: string[] = []
  const runs: Run[] = []
  const installedBy = new WeakMap<Run, string[]>()
  const record = (run: Run) => (runs.push(run), run)
  /** Records a run's problems and leftovers; either way the run's last output lines go with them. */
  const judge = async (label: string, run: Run, found_: string[]) => {
    const before = found.length
    await ctx.checkLeftovers(label)
    if (found_.length) problems.push(`${label}: ${found_.join('; ')}${excerpt(run)}`)
    else if (found.length > before) found[found.length - 1] += `  [output of that run:${excerpt(run)}]`
  }
  const ctx: Ctx = {
    world,
    server,
    box,
    install: async (specs, opts) => {
      const run = record(await box.run(['features', 'install', ...specs], opts))
      installedBy.set(run, specs.filter((s) => !s.startsWith('-')))
      return run
    },
    expectError: async (label, run, codes) => {
      const o = outcomeOf(run)
      const wrong = o.kind !== 'coded-error' ? `expected ${codes.join('|')}, got ${o.kind === 'success' ? 'success' : o.kind}` : !codes.includes(o.code!) ? `expected ${codes.join('|')}, got ${o.code}` : undefined
      await judge(label, run, [...o.problems, ...(wrong ? [wrong] : [])])
    },
    expectSuccess: async (label, run) => {
      const o = outcomeOf(run)
      const missing = o.kind === 'success' ? await notInstalled(box, installedBy.get(run) ?? []) : []
      await judge(label, run, [...o.problems, ...(o.kind !== 'success' ? [`expected success, got ${o.code ?? o.kind}`] : []), ...missing])
    },
    problem: (message) => void problems.push(message),
    checkLeftovers: async (label, layout) => {
      for (const l of await leftovers({ ...box, ...layout })) found.push(`${label}: ${l}`)
    },
  }
  try {
    await scenario.run(ctx)
  } catch (err) {
    problems.push(`harness: ${(err as Error).stack ?? err}`)
  }
  const leaked = await leaks(box, world.secrets, runs).catch((err: Error) => [`leak scan failed: ${err.message}`])
  await server.close()
  if (!process.env.FAULTS_KEEP || (!problems.length && !found.length && !leaked.length)) await box.cleanup().catch(() => undefined)
  else problems.push(`box kept at ${box.dir}`)
  const injected = scenario.faults ?? 1
  return { name: scenario.name, injected, handled: problems.length ? 0 : injected, problems, leftovers: [...new Set(found)], leaks: leaked, ms: Date.now() - started }
}

/** Tool-cache dir names of the features the suite installs. */
const TOOL_NAMES: Record<string, string> = { nodejs: 'node', terraform: 'terraform' }

/**
 * An install that exits 0 must have installed what it was asked for (a process whose event loop
 * ran dry mid-download also exits 0, silently): each `id@exact` needs its tool-cache marker.
 */
async function notInstalled(box: Box, specs: string[]): Promise<string[]> {
  const out: string[] = []
  for (const spec of specs) {
    const [id, version] = spec.split('@')
    const tool = TOOL_NAMES[id!]
    if (!tool || !version || !/^\d+\.\d+\.\d+$/.test(version)) continue
    if (!(await stat(join(box.toolCache, tool, version, 'x64.complete')).catch(() => undefined))) out.push(`exit 0 but ${spec} is not installed (no ${tool}/${version}/x64.complete)`)
  }
  return out
}

/** The last lines of a run's output, for problem messages. */
function excerpt(run: Run): string {
  const text = `${run.stderr}\n${run.stdout}`.trim().split('\n').slice(-6).join('\n    ')
  return text ? `\n    ${text}` : ''
}
