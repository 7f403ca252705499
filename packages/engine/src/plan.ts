import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  RunnerError, SYSTEM_VERSION, archiveLimits, artifactsFor, assertSupported, availableVersions, collectRequirements, compareVersions, isSystemInstall, mirrorFor,
  parseFeatureRequest, platformKey, readState, resolveDependencies, supportsTarget, resolveVersion, specAcceptsInstalled, unknownFeature,
  type ArchiveLimits, type Artifact, type DependencyRequest, type Feature, type FeatureContext, type FeatureDeclaration, type Logger, type Platform, type PluginRef,
  type RemoteVersion, type Requirement, type Resolution,
} from '@runner-features/core'
import { lockedArtifacts, writeLockfile, type LockPlatform, type Lockfile } from '@runner-features/core/config'
import { createFeatureContext, isComplete, toolCacheEntry, type FeatureHttp, type ToolCacheEntry } from '@runner-features/installer'
import type { EngineDeps } from './deps.js'
import type { PinnedArtifact } from './drift.js'
import { checkLockedDetachedSigners } from './detached-signers.js'
import { normaliseError } from './normalise.js'
import { buildLock, contextFor, loadProject, outdatedError, resolveFresh, resolveFromLock, type ConfigProject, type NetOptions } from './project.js'
import { withMirrorSource } from './mirror-index.js'
import type { RunEnv } from './run-env.js'
import type { Schedulable } from './schedule.js'
import { assertLockedIntegrity, assertPluginsAllowed, pluginIntegrities } from './plugin-policy.js'
import { pinSignedDigests } from './pin-digests.js'
import { splitRepeats } from './repeats.js'
import { checkSignatures, signatureTrust, type SignedArtifact, type SignatureTrust } from './signatures.js'

/** What the plan step needs from the command line. */
export interface PlanOptions {
  /** `<id>[@<spec>]` arguments; empty = the team config. */
  specs: readonly string[]
  cwd: string
  /** The team config file (`--config`); only without `specs`. */
  config?: string
  /** Install exactly the lock (`--frozen`); only without `specs`. */
  frozen: boolean
  mirrors: ReadonlyMap<string, string>
  dryRun: boolean
  /** Ignore installed versions and the index cache when resolving. */
  refresh: boolean
  logger: Logger
  signal: AbortSignal
}

/** One feature of a plan: resolved, validated and, for downloads not yet installed, with its artifacts. */
export interface PlannedFeature extends Schedulable {
  id: string
  /** The spec as asked (this line's request, else the first requirement's text): `20`, `^1.5`, `system`. */
  spec: string
  version: RemoteVersion
  /** Ids that must finish first (hard dependencies and honoured `installsAfter`). */
  after: string[]
  plugin: PluginRef
  feature: Feature
  /** The plugin's context, with its validated options. */
  ctx: FeatureContext
  http: FeatureHttp
  /** Installed by the distro's package manager (`<id>@system`). */
  system: boolean
  /** The tool-cache entry of a download install. */
  entry?: ToolCacheEntry
  /** A download install whose tool-cache marker already exists. */
  complete: boolean
  /** Every artifact to fetch (download installs not yet complete), in extraction order. */
  artifacts?: Artifact[]
  /** Set when the lock pinned the artifacts: the checksum-drift policy applies. */
  locked?: PinnedArtifact[]
}

/** A validated, resolved plan: nothing has been downloaded or installed yet. */
export interface InstallPlan {
  platform: Platform
  /**
   * In install order (dependency levels). A feature asked for in several versions has one line
   * per request, next to each other in the order asked; the last one is the version dependants
   * rely on, so it must install last (and is linked last). See {@link splitRepeats}.
   */
  features: PlannedFeature[]
  groups: string[][]
  warnings: string[]
  cacheDir: string
  /** Per-archive limits from the environment, then the team config's `limits:` (unset: from the environment alone). */
  limits?: ArchiveLimits
  /** Network requests made, counted across planning and execution. */
  counter: { requests: number }
  /** Team-config installs: where the config and lock are and what happened to the lock. */
  config?: { display: string; lockfile: { path: string; used: boolean; written: boolean } }
  /** Releases what planning set up (a throwaway download cache). */
  dispose(): Promise<void>
}

const INDEX_TTL_MS = 10 * 60_000

/**
 * Plans an install of `<id>[@<spec>]` arguments: every request is validated (id, spec, platform,
 * mirrors) and resolved through the dependency resolver, so `dependsOn` is pulled in as for the
 * team config. A feature named more than once gets one plan line per request (its own tool-cache
 * version dir each; see {@link splitRepeats}), so one plan covers the whole call. Installed
 * versions that satisfy every requirement are used without asking upstream (a re-install makes no
 * request). Throws on the first bad request: nothing is installed.
 */
/** `contexts` collects every HTTP context created, so the caller can commit or drop their index caches. */
export async function planArguments(rt: RunEnv, o: PlanOptions, deps: EngineDeps, contexts: FeatureHttp[] = []): Promise<InstallPlan> {
  const [discovery, platform, state] = await Promise.all([deps.discover(rt), deps.detectPlatform(rt.env), readState(rt.stateFile)])
  const plugins = new Map(discovery.plugins.map((p) => [p.manifest.id, p]))
  const known = [...plugins.keys()]
  const requests: DependencyRequest[] = o.specs.map((text) => {
    const id = text.split('@')[0]!
    const plugin = plugins.get(id)
    if (!plugin) {
      const problem = discovery.problems.find((p) => p.where.includes(id))
      if (problem) throw new RunnerError('PLUGIN_INVALID', problem.message, { where: problem.where, hint: 'reinstall that plugin with `runner plugins install`' })
      throw unknownFeature(id, `${text} (argument)`, known)
    }
    const request = parseFeatureRequest(text, 'argument', plugin.manifest.defaultVersion)
    assertSupported(plugin.manifest, platform, `${text} (argument)`)
    return { id: request.id, spec: request.spec.raw, source: 'argument' }
  })
  const ids = [...new Set(requests.map((r) => r.id))]
  const { primaries, extras } = splitRepeats(requests)
  for (const id of o.mirrors.keys()) {
    if (!plugins.has(id)) throw unknownFeature(id, `--mirror ${id}=…`, known)
  }

  const declarations = declarationsOf(discovery.plugins)
  const requirements = collectRequirements(primaries, declarations)
  // Before any plugin code is imported: third-party plugins need the (approved) plugin policy.
  await assertPluginsAllowed(rt, [...requirements.keys()].map((id) => plugins.get(id)!).filter(Boolean), { cwd: o.cwd })
  const features = new Map(await Promise.all([...requirements.keys()].map(async (id) => [id, await deps.loadFeature(plugins.get(id)!)] as const)))
  for (const [id, feature] of features) {
    if (feature.options) declarations.set(id, { ...declarations.get(id)!, options: feature.options })
    if (!ids.includes(id)) assertSupported(plugins.get(id)!.manifest, platform, `${id} (dependsOn of ${requirements.get(id)!.map((r) => r.by).filter(Boolean).join(', ')})`)
  }
  const counter = { requests: 0 }
  const byFeature = new Map([...features].map(([id, feature]) => [id, createFeatureContext(feature, {
    platform, mirror: mirrorFor(id, o.mirrors, rt.env), logger: o.logger, signal: o.signal,
    cacheDir: rt.cacheDir, indexTtlMs: o.refresh ? 0 : INDEX_TTL_MS, onRequest: () => void counter.requests++,
  })]))
  for (const c of byFeature.values()) contexts.push(c.http)

  const versions = new Map<string, RemoteVersion[]>()
  await Promise.all([...requirements].map(async ([id, reqs]) => {
    const feature = features.get(id)!
    // Every version asked for this id (the primary's requirements, then each extra's own spec).
    const slots = [reqs, ...(extras.get(id) ?? []).map((r) => [r])]
    const installed = o.refresh ? [] : slots.map((s) => newestInstalledForAll(state.installs, id, platform.arch, s))
    const reusable = installed.length > 0 && installed.every((v) => v !== undefined)
      && (await Promise.all(installed.map((v) => isComplete(toolCacheEntry(rt.toolCacheRoot, feature.toolName, v!, platform.arch))))).every(Boolean)
    if (reusable) versions.set(id, [...new Set(installed as string[])].map((version) => ({ version })))
    else versions.set(id, await availableVersions(feature, slots.flat().map((r) => r.spec), byFeature.get(id)!.ctx).catch(blame(`${id} (listing versions)`)))
  }))
  const viaMirror = (id: string) => (byFeature.has(id) ? { http: byFeature.get(id)!.http, upstream: features.get(id)!.upstream } : undefined)
  let resolution: ReturnType<typeof resolveDependencies>
  let extraVersions: Map<string, { spec: string; version: RemoteVersion }[]>
  try {
    resolution = resolveDependencies({ requests: primaries, declarations, versions })
    extraVersions = new Map([...extras].map(([id, reqs]) => [id, reqs.map((r) => ({ spec: r.spec.raw, version: resolveVersion(id, r.spec, versions.get(id)!) }))]))
  } catch (err) {
    throw withMirrorSource(err, viaMirror)
  }
  // Within a dependency level, arguments keep the order they were given in.
  const rank = (id: string) => (ids.includes(id) ? ids.indexOf(id) : ids.length)
  const order = resolution.groups.flatMap((g) => [...g].sort((a, b) => rank(a) - rank(b)))
  const byId = new Map(resolution.features.map((f) => [f.id, f]))

  // One line per request, the primary last; two requests of one version are planned once (and both
  // reported: the later one finds the version installed and links it again, as a second run would).
  const once = new Map<string, Promise<PlannedFeature>>()
  const planned = await Promise.all(order.flatMap((id) => {
    const f = byId.get(id)!
    const { ctx, http } = byFeature.get(id)!
    const lines = [...(extraVersions.get(id) ?? []), { spec: f.requirements[0]!.spec.raw, version: f.version }]
    return lines.map(async ({ spec, version }) => {
      const key = `${id}@${version.version}`
      // Extras share the primary's options: a feature is set up one way in a run.
      if (!once.has(key)) once.set(key, planFeature(rt, platform, { ...f, spec, version, plugin: plugins.get(id)!, feature: features.get(id)!, ctx: { ...ctx, options: f.options }, http }, signatureTrust(rt.env)).catch(blame(`${id}@${spec}`)))
      return { ...(await once.get(key)!), spec }
    })
  }))
  for (const w of resolution.warnings) o.logger.warn(w)
  return { platform, features: planned, groups: resolution.groups, warnings: resolution.warnings, cacheDir: rt.cacheDir, counter, dispose: async () => {} }
}

/**
 * Plans an install of the team config. With a lock that matches the config, versions and artifacts
 * (URL, sha256) come from the lock and nothing is resolved upstream. `frozen` never re-resolves and
 * never writes the lock: a missing or outdated lock, or one without this platform, fails here.
 * Otherwise an outdated or missing lock is re-resolved (keeping still-valid locked versions) and
 * rewritten (not for a dry run).
 */
export async function planConfig(rt: RunEnv, o: PlanOptions, contexts: FeatureHttp[] = []): Promise<InstallPlan> {
  const project = await loadProject(rt, o.cwd, o.config)
  // Read before any download, so a malformed limit fails first.
  const limits = archiveLimits(rt.env, project.config.limits, project.config.limitsWhere)
  let cacheDir = rt.cacheDir
  let throwaway: string | undefined
  if (project.config.cache?.enabled === false) cacheDir = throwaway = await mkdtemp(join(tmpdir(), 'runner-features-cache-'))
  else if (project.config.cache?.path && !rt.env.RUNNER_FEATURES_CACHE_DIR) cacheDir = project.config.cache.path
  const dispose = async () => {
    if (throwaway) await rm(throwaway, { recursive: true, force: true })
  }
  const counter = { requests: 0 }
  const net: NetOptions = { mirrors: o.mirrors, env: rt.env, cacheDir, logger: o.logger, signal: o.signal, refresh: o.refresh, onRequest: () => void counter.requests++, onContext: (http) => contexts.push(http) }
  try {
    const key = platformKey(project.platform) as LockPlatform
    let lock = project.lock
    let resolution: Resolution
    let written = false
    const usable = Boolean(lock && project.lockDifferences.length === 0)
    if (o.frozen) {
      if (!lock) throw new RunnerError('LOCKFILE_MISSING', 'there is no lock to install from', { where: project.lockFile, hint: 'run `runner features lock` and commit runner-features.lock, or drop --frozen' })
      if (!usable) throw outdatedError(project)
      assertLockedIntegrity(lock, project.lockFile, project.plugins, await pluginIntegrities(rt))
      resolution = resolveFromLock(project)
    } else if (usable && lockHasPlatform(project, lock!, key)) {
      assertLockedIntegrity(lock!, project.lockFile, project.plugins, await pluginIntegrities(rt))
      resolution = resolveFromLock(project)
    } else {
      resolution = await resolveFresh(project, net)
      const built = await buildLock(rt, project, resolution, ['linux-x64', 'linux-arm64', 'linux-x64-musl', 'linux-arm64-musl'], net)
      for (const w of built.warnings) o.logger.warn(w)
      lock = built.lock
      if (!o.dryRun) written = await writeLockfile(project.lockFile, lock)
    }
    for (const f of resolution.features) {
      const ref = project.plugins.get(f.id)!
      assertSupported(ref.manifest, project.platform, `${f.id}@${f.version.version} (${f.requirements[0]!.source})`)
      if (f.version.version !== SYSTEM_VERSION && !lock!.features[f.id]?.platforms[key]) {
        throw new RunnerError('LOCKFILE_MISSING_PLATFORM', `the lock has no ${key} entry for ${f.id}@${f.version.version}`, {
          where: `${project.lockFile} (${f.id} ${key})`,
          hint: `run \`runner features lock --platform all\` (it needs no ${key} machine) and commit the lock`,
        })
      }
    }
    for (const w of resolution.warnings) o.logger.warn(w)

    const trust = signatureTrust(rt.env, { file: project.config.file, trustedKeys: project.config.trustedKeys })
    const features = await Promise.all(resolution.features.map(async (f) => {
      const { ctx, http } = contextFor(project, f.id, net)
      const base = { ...f, spec: f.requirements[0]!.spec.raw, plugin: project.plugins.get(f.id)!, feature: await project.feature(f.id), ctx: { ...ctx, options: f.options }, http }
      if (f.version.version === SYSTEM_VERSION) return planFeature(rt, project.platform, base, trust)
      const locked = lockedArtifacts(lock!.features[f.id]!.platforms[key]!)
      const checksumSource = `${project.lockFile} (${f.id} ${key})`
      const artifacts: Artifact[] = locked.map((l) => ({ url: l.url, sha256: l.sha256, size: l.size, archive: l.archive, strip: l.strip, fileName: l.fileName, checksumSource }))
      return planFeature(rt, project.platform, base, trust, { artifacts, locked: locked.map((l) => ({ url: l.url, sha256: l.sha256 })), signed: locked.map((l) => ({ checksumSource: l.checksumSource, lockedSigner: l.signedBy })) })
    }))
    return {
      platform: project.platform, features, groups: resolution.groups, warnings: resolution.warnings, cacheDir, limits, counter, dispose,
      config: { display: project.config.display, lockfile: { path: project.lockFile, used: usable, written } },
    }
  } catch (err) {
    await dispose()
    throw err
  }
}

type Resolved = Pick<PlannedFeature, 'id' | 'spec' | 'version' | 'after' | 'plugin' | 'feature' | 'ctx' | 'http'>

/** Completes one plan line: system or download, already complete or not, and its artifacts. */
async function planFeature(rt: RunEnv, platform: Platform, f: Resolved, trust: SignatureTrust, pinned?: { artifacts: Artifact[]; locked: PinnedArtifact[]; signed: { checksumSource?: string; lockedSigner?: string }[] }): Promise<PlannedFeature> {
  const base = { id: f.id, spec: f.spec, version: f.version, after: f.after, plugin: f.plugin, feature: f.feature, ctx: f.ctx, http: f.http }
  if (isSystemInstall(f.feature, f.version)) return { ...base, system: true, complete: false }
  const entry = toolCacheEntry(rt.toolCacheRoot, f.feature.toolName, f.version.version, platform.arch)
  const complete = await isComplete(entry)
  if (complete) return { ...base, system: false, entry, complete }
  // Signatures are checked here, before any download: a bad or missing one fails the whole plan.
  const check = (artifacts: SignedArtifact[]) => checkSignatures({ ref: f.plugin, http: f.http, trust, logger: f.ctx.logger, where: `${f.id}@${f.version.version}`, artifacts })
  if (pinned) {
    await check(pinned.artifacts.map((artifact, i) => ({ artifact, locked: true, ...pinned.signed[i] })))
    await checkLockedDetachedSigners({ ref: f.plugin, feature: f.feature, version: f.version, platform, ctx: f.ctx, http: f.http, trust, logger: f.ctx.logger, where: `${f.id}@${f.version.version}`, locked: pinned.locked.map((l, i) => ({ url: l.url, signedBy: pinned.signed[i]?.lockedSigner })) })
    return { ...base, system: false, entry, complete, artifacts: pinned.artifacts, locked: pinned.locked }
  }
  // Asked here, before anything is installed: a missing checksum or platform fails the whole plan.
  // No lock: an artifact the upstream signs itself (aws-cli's .sig over the zip) is verified and pinned here;
  // one with no digest and no signature (chrome) keeps sha256 '' and fails closed before any download.
  const artifacts = await pinSignedDigests(await artifactsFor(f.feature, f.version, platform, f.ctx), f.http, trust)
  await check(artifacts.map((artifact) => ({ artifact, checksumSource: artifact.checksumSource })))
  return { ...base, system: false, entry, complete, artifacts }
}

/** Says which feature an uncoded error (a plugin's bug) came from; coded errors pass unchanged. */
function blame(where: string): (err: unknown) => never {
  return (err) => {
    throw normaliseError(err, where)
  }
}

/** What the resolver needs to know about every discovered plugin (options schemas are added once loaded). */
export function declarationsOf(plugins: readonly PluginRef[]): Map<string, FeatureDeclaration> {
  return new Map(plugins.map((p) => [p.manifest.id, {
    id: p.manifest.id, plugin: p.name, defaultVersion: p.manifest.defaultVersion, dependsOn: p.manifest.dependsOn, installsAfter: p.manifest.installsAfter,
  }]))
}

/** The newest installed version of `id` on `arch` that every requirement accepts, if any. */
function newestInstalledForAll(installs: readonly { id: string; arch: string; version: string }[], id: string, arch: string, reqs: readonly Requirement[]): string | undefined {
  return installs
    .filter((r) => r.id === id && r.arch === arch && reqs.every((q) => specAcceptsInstalled(q.spec, r.version)))
    .map((r) => r.version)
    .sort((a, b) => compareVersions(b, a))[0]
}

function lockHasPlatform(project: ConfigProject, lock: Lockfile, key: LockPlatform): boolean {
  return Object.entries(lock.features).every(([id, f]) => f.platforms[key] || f.version === SYSTEM_VERSION || !(project.plugins.get(id) && supportsTarget(project.plugins.get(id)!.manifest, project.platform)))
}
