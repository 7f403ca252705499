import { RunnerError, readState, sortVersions, type Logger, type Resolution } from '@runner-features/core'
import { writeLockfile, type LockPlatform } from '@runner-features/core/config'
import type { RunEnv } from './run-env.js'
import { buildLock, contextFor, loadProject, resolveFresh, resolveFromLock, upstreamVersions, type ConfigProject, type NetOptions } from './project.js'

export interface ProjectOptions {
  cwd: string
  config?: string
  mirrors: ReadonlyMap<string, string>
  refresh: boolean
  logger: Logger
  signal: AbortSignal
}

function netFor(rt: RunEnv, opts: ProjectOptions, counter: { requests: number; urls: string[] }): NetOptions {
  return { mirrors: opts.mirrors, env: rt.env, cacheDir: rt.cacheDir, logger: opts.logger, signal: opts.signal, refresh: opts.refresh, onRequest: (url) => { counter.requests++; counter.urls.push(url) } }
}

export interface PlanReport {
  schemaVersion: 1
  config: string
  lockfile: string
  /** True when versions came from the lock, with no request made. */
  fromLock: boolean
  features: { id: string; version: string; requestedBy: { spec: string; source: string }[]; options: Record<string, unknown>; dependsOn: string[]; after: string[]; group: number }[]
  order: string[]
  groups: string[][]
  warnings: string[]
  requests: number
}

function planReport(project: ConfigProject, resolution: Resolution, fromLock: boolean, requests: number): PlanReport {
  return {
    schemaVersion: 1, config: project.config.display, lockfile: project.lockFile, fromLock,
    features: resolution.features.map((f) => ({ id: f.id, version: f.version.version, requestedBy: f.requirements.map((r) => ({ spec: r.spec.raw, source: r.source })), options: f.options, dependsOn: f.dependsOn, after: f.after, group: f.level + 1 })),
    order: resolution.order, groups: resolution.groups, warnings: resolution.warnings, requests,
  }
}

/** `runner features resolve`: the plan, offline from the lock when it matches the config; never downloads archives. */
export async function resolvePlan(rt: RunEnv, opts: ProjectOptions): Promise<PlanReport> {
  const project = await loadProject(rt, opts.cwd, opts.config)
  if (project.lock && project.lockDifferences.length === 0) return planReport(project, resolveFromLock(project), true, 0)
  const counter = { requests: 0, urls: [] as string[] }
  const resolution = await resolveFresh(project, netFor(rt, opts, counter))
  return planReport(project, resolution, false, counter.requests)
}

/** Mermaid flowchart of a plan: an arrow from each feature to what waits for it. */
export function planMermaid(plan: PlanReport): string {
  const node = (id: string) => id.replace(/[^a-zA-Z0-9_]/g, '_')
  const lines = ['flowchart LR']
  for (const f of plan.features) lines.push(`  ${node(f.id)}["${f.id} ${f.version}"]`)
  for (const f of plan.features) for (const a of f.after) lines.push(`  ${node(a)} ${f.dependsOn.includes(a) ? '-->' : '-.->'} ${node(f.id)}`)
  return `${lines.join('\n')}\n`
}

export interface LockReport {
  schemaVersion: 1
  lockfile: string
  written: boolean
  features: { id: string; version: string; platforms: string[] }[]
  warnings: string[]
  /** Requests made: indexes and checksum files only, never archives. */
  requests: number
  urls: string[]
}

async function writeLock(rt: RunEnv, project: ConfigProject, resolution: Resolution, platforms: readonly LockPlatform[], net: NetOptions, counter: { requests: number; urls: string[] }, explicit = false): Promise<LockReport> {
  const keep = new Set<LockPlatform>(platforms)
  for (const f of Object.values(project.lock?.features ?? {})) for (const k of Object.keys(f.platforms)) keep.add(k as LockPlatform)
  const built = await buildLock(rt, project, resolution, [...keep], net, explicit)
  const written = await writeLockfile(project.lockFile, built.lock)
  return {
    schemaVersion: 1, lockfile: project.lockFile, written,
    features: Object.entries(built.lock.features).map(([id, f]) => ({ id, version: f.version, platforms: Object.keys(f.platforms).sort() })),
    warnings: [...resolution.warnings, ...built.warnings], requests: counter.requests, urls: counter.urls,
  }
}

/** `runner features lock`: resolve (keeping locked versions that still fit) and fill every platform from checksum files. */
export async function lockProject(rt: RunEnv, opts: ProjectOptions & { platforms: readonly LockPlatform[]; explicit?: boolean }): Promise<LockReport> {
  const project = await loadProject(rt, opts.cwd, opts.config)
  const counter = { requests: 0, urls: [] as string[] }
  const net = netFor(rt, opts, counter)
  return writeLock(rt, project, await resolveFresh(project, net), opts.platforms, net, counter, opts.explicit)
}

/** `runner features upgrade [id]`: re-resolve (one id, or all) against fresh indexes and rewrite the lock. */
export async function upgradeProject(rt: RunEnv, opts: ProjectOptions & { id?: string }): Promise<LockReport & { changes: { id: string; from?: string; to: string }[] }> {
  const project = await loadProject(rt, opts.cwd, opts.config)
  if (opts.id && !project.requirements.has(opts.id)) {
    throw new RunnerError('INVALID_ARGUMENT', `${opts.id} is not in the config or its dependencies`, { where: `${opts.id} (argument)`, hint: `upgradable: ${[...project.requirements.keys()].join(', ')}` })
  }
  const counter = { requests: 0, urls: [] as string[] }
  const net = netFor(rt, { ...opts, refresh: true }, counter)
  const resolution = await resolveFresh(project, net, opts.id ? new Set([opts.id]) : true)
  const report = await writeLock(rt, project, resolution, [], net, counter)
  const changes = resolution.features
    .map((f) => ({ id: f.id, from: project.lock?.features[f.id]?.version, to: f.version.version }))
    .filter((c) => c.from !== c.to)
  return { ...report, changes }
}

export interface OutdatedReport {
  schemaVersion: 1
  features: { id: string; current?: string; installed?: string; wanted: string; latest: string; outdated: boolean }[]
}

/** `runner features outdated`: current (locked, else installed) / wanted (newest the specs allow) / latest. */
export async function outdatedProject(rt: RunEnv, opts: ProjectOptions): Promise<OutdatedReport> {
  const project = await loadProject(rt, opts.cwd, opts.config)
  const counter = { requests: 0, urls: [] as string[] }
  const net = netFor(rt, { ...opts, refresh: true }, counter)
  // One request per index: the versions that resolve `wanted` also give `latest`.
  const [upstream, state] = await Promise.all([upstreamVersions(project, net), readState(rt.stateFile)])
  const resolution = await resolveFresh(project, net, true, upstream)
  const features = resolution.features.map((f) => {
    const versions = sortVersions(upstream.get(f.id) ?? [])
    const latest = versions.find((v) => !v.version.includes('-'))?.version ?? versions[0]?.version ?? f.version.version
    const installed = state.installs.filter((r) => r.id === f.id && r.arch === project.platform.arch).map((r) => r.version)
    const current = project.lock?.features[f.id]?.version ?? installed.find((v) => v === f.version.version) ?? installed[0]
    return { id: f.id, current, installed: installed.join(', ') || undefined, wanted: f.version.version, latest, outdated: current !== f.version.version || current !== latest }
  })
  return { schemaVersion: 1, features }
}
