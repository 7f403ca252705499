import { RunnerError, SYSTEM_VERSION, artifactsFor, supportsTarget, availableVersions, canonicalUrl, collectRequirements, isRunnerError, loadFeature, mirrorFor, networkPolicy, redactUrl, resolveDependencies, type Feature, type FeatureDeclaration, type Logger, type Platform, type PluginRef, type RemoteVersion, type Requirement, type Resolution, type Arch, type TargetPlatform } from '@runner-features/core'
import { LOCK_PLATFORMS, loadConfig, lockMatchesConfig, lockPathFor, lockRequirement, readLockfile, lockedPlatform, type LockDifference, type LockPlatform, type LockedArtifact, type LockedPlatform, type Lockfile, type RunnerConfig } from '@runner-features/core/config'
import { createFeatureContext, detectPlatform, type FeatureHttp } from '@runner-features/installer'
import { discover, type RunEnv } from './run-env.js'
import { assertPluginsAllowed, pluginIntegrities } from './plugin-policy.js'
import { pinUnpublishedDigests } from './pin-digests.js'
import { checkSignatures, signatureTrust } from './signatures.js'
import { withMirrorSource } from './mirror-index.js'

/** Everything the config-driven commands share: config, lock, plugins and the requirement closure. */
export interface ConfigProject {
  config: RunnerConfig
  lockFile: string
  lock?: Lockfile
  platform: Platform
  plugins: Map<string, PluginRef>
  declarations: Map<string, FeatureDeclaration>
  requirements: Map<string, Requirement[]>
  /** Differences between config and lock (empty when they agree or there is no lock). */
  lockDifferences: LockDifference[]
  /** Plugin code, loaded lazily (options schemas, listVersions, artifact). */
  feature(id: string): Promise<Feature>
}

export interface NetOptions {
  mirrors: ReadonlyMap<string, string>
  env: RunEnv['env']
  /** Download and index cache root. */
  cacheDir: string
  logger: Logger
  signal: AbortSignal
  refresh: boolean
  onRequest?: (url: string) => void
  /** Told about every HTTP context created (the install pipeline commits or drops their index caches). */
  onContext?: (http: FeatureHttp) => void
}

/** Loads config, lock and plugin metadata; loads plugin code for the closure (for option schemas). */
export async function loadProject(rt: RunEnv, cwd: string, configFlag?: string): Promise<ConfigProject> {
  const config = await loadConfig(cwd, configFlag)
  const lockFile = lockPathFor(config.file)
  const [discovery, platform, lock] = await Promise.all([discover(rt), detectPlatform(rt.env), readLockfile(lockFile)])
  const plugins = new Map(discovery.plugins.map((p) => [p.manifest.id, p]))
  const declarations = new Map<string, FeatureDeclaration>(discovery.plugins.map((p) => [p.manifest.id, {
    id: p.manifest.id, plugin: p.name, defaultVersion: p.manifest.defaultVersion, dependsOn: p.manifest.dependsOn, installsAfter: p.manifest.installsAfter,
  }]))
  for (const entry of config.entries) {
    if (!plugins.has(entry.id)) {
      const problem = discovery.problems.find((p) => p.where.includes(entry.id))
      if (problem) throw new RunnerError('PLUGIN_INVALID', problem.message, { where: problem.where, hint: 'reinstall that plugin with `runner plugins install`' })
    }
  }
  const requirements = collectRequirements(config.entries, declarations)
  // Before any plugin code is imported (option schemas below): third-party plugins need the policy.
  await assertPluginsAllowed(rt, [...requirements.keys()].map((id) => plugins.get(id)!).filter(Boolean), { configFile: config.file })
  const loaded = new Map<string, Promise<Feature>>()
  const feature = (id: string) => {
    let f = loaded.get(id)
    if (!f) {
      f = loadFeature(plugins.get(id)!)
      loaded.set(id, f)
    }
    return f
  }
  await Promise.all([...requirements.keys()].map(async (id) => {
    const schema = (await feature(id)).options
    if (schema) declarations.set(id, { ...declarations.get(id)!, options: schema })
  }))
  const lockDifferences = lock ? lockMatchesConfig(lock, requirements).differences : []
  return { config, lockFile, lock, platform, plugins, declarations, requirements, lockDifferences, feature }
}

/** Resolves offline from the lock's versions (the lock must match the config). */
export function resolveFromLock(project: ConfigProject): Resolution {
  const lock = project.lock!
  const versions = new Map(Object.entries(lock.features).map(([id, f]) => [id, [{ version: f.version }] as RemoteVersion[]]))
  return resolveDependencies({ requests: project.config.entries, declarations: project.declarations, versions })
}

/** What upstream offers for every id the config needs (`<id>@system` without a request), fetched once per id. */
export async function upstreamVersions(project: ConfigProject, net: NetOptions): Promise<Map<string, RemoteVersion[]>> {
  const versions = new Map<string, RemoteVersion[]>()
  await Promise.all([...project.requirements.keys()].map(async (id) => {
    versions.set(id, await availableVersions(await project.feature(id), project.requirements.get(id)?.map((r) => r.spec) ?? [], contextFor(project, id, net).ctx))
  }))
  return versions
}

/**
 * Resolves against upstream indexes (no archive is downloaded). Locked versions are kept while they
 * still satisfy everything, except for the ids in `upgrade` (all ids when `upgrade` is `true`).
 * `versions` (from {@link upstreamVersions}) saves asking upstream again when the caller has them.
 */
export async function resolveFresh(project: ConfigProject, net: NetOptions, upgrade: true | ReadonlySet<string> = new Set(), versions?: ReadonlyMap<string, RemoteVersion[]>): Promise<Resolution> {
  versions ??= await upstreamVersions(project, net)
  const preferred = new Map<string, string>()
  if (project.lock && upgrade !== true) {
    for (const [id, f] of Object.entries(project.lock.features)) if (!upgrade.has(id)) preferred.set(id, f.version)
  }
  try {
    return resolveDependencies({ requests: project.config.entries, declarations: project.declarations, versions, preferred })
  } catch (err) {
    throw withMirrorSource(err, (id) => (project.plugins.has(id) ? { http: contextFor(project, id, net).http, upstream: project.plugins.get(id)!.manifest.upstream } : undefined))
  }
}

const contexts = new WeakMap<ConfigProject, Map<string, ReturnType<typeof createFeatureContext>>>()

/** One HTTP context per feature and run, so indexes and checksum files are fetched once. */
export function contextFor(project: ConfigProject, id: string, net: NetOptions): ReturnType<typeof createFeatureContext> {
  let byId = contexts.get(project)
  if (!byId) contexts.set(project, (byId = new Map()))
  let c = byId.get(id)
  if (!c) {
    const ref = project.plugins.get(id)!
    c = createFeatureContext(ref.manifest, {
      platform: project.platform, mirror: mirrorFor(id, net.mirrors, net.env), logger: net.logger, signal: net.signal,
      cacheDir: net.cacheDir, indexTtlMs: net.refresh ? 0 : 10 * 60_000, onRequest: net.onRequest,
      network: networkPolicy(net.env, project.config),
    })
    byId.set(id, c)
    net.onContext?.(c.http)
  }
  return c
}

/** A lock platform key as the target platform a plugin maps to its artifact (`windows-x64` → os windows, arch x64). */
export function parsePlatformKey(key: string): TargetPlatform {
  const m = /^(?:linux-(x64|arm64)(-musl)?|windows-(x64|arm64))$/.exec(key)
  if (!m) throw new RunnerError('INVALID_ARGUMENT', `"${key}" is not a platform`, { where: '--platform', hint: `use all or a comma-separated list of ${LOCK_PLATFORMS.join(', ')}` })
  // A Windows platform carries glibc (see Platform.libc) so its key stays `windows-x64`; nothing reads it.
  if (m[3]) return { os: 'windows', arch: m[3] as Arch, libc: 'glibc' }
  return { os: 'linux', arch: m[1] as Arch, libc: m[2] ? 'musl' : 'glibc' }
}

/** `all` or `linux-x64,windows-x64` → platform keys. `all` is every key; features skip the ones they do not declare. */
export function parsePlatforms(flag: string | undefined): LockPlatform[] {
  if (!flag || flag === 'all') return [...LOCK_PLATFORMS]
  const keys = flag.split(',').map((s) => s.trim()).filter(Boolean)
  for (const k of keys) parsePlatformKey(k)
  return LOCK_PLATFORMS.filter((k) => keys.includes(k))
}

function supports(ref: PluginRef, key: LockPlatform): boolean {
  return supportsTarget(ref.manifest, parsePlatformKey(key))
}

export interface LockResult {
  lock: Lockfile
  /** Requests made while filling platforms (checksum files and indexes only). */
  warnings: string[]
}

/**
 * Builds the lock for a resolution: per feature and platform the canonical URL and sha256 from the
 * upstream checksum files — asking each plugin for its artifact, which reads indexes and checksum
 * files but never downloads an archive. Entries of the old lock are reused when version and plugin
 * are unchanged. With `explicit` (platforms named by the user) a platform that cannot be locked is an error.
 */
export async function buildLock(rt: RunEnv, project: ConfigProject, resolution: Resolution, platforms: readonly LockPlatform[], net: NetOptions, explicit = false): Promise<LockResult> {
  const warnings: string[] = []
  const integrity = await pluginIntegrities(rt)
  const trust = signatureTrust(net.env, { file: project.config.file, trustedKeys: project.config.trustedKeys })
  const features: Lockfile['features'] = {}
  await Promise.all(resolution.features.map(async (f) => {
    const ref = project.plugins.get(f.id)!
    const old = project.lock?.features[f.id]
    // Options can change what is downloaded (cuda's components), so a kept entry needs the same options too.
    const sameBuild = old && old.version === f.version.version && old.plugin.name === ref.name && old.plugin.version === ref.version && sameJson(old.options, f.options)
    const entries: Partial<Record<LockPlatform, LockedPlatform>> = {}
    // Distro packages have no artifact to pin: the distro's package manager and its signatures decide.
    for (const key of f.version.version === SYSTEM_VERSION ? [] : platforms) {
      if (!supports(ref, key)) continue
      const kept = sameBuild ? old.platforms[key] : undefined
      if (kept) {
        entries[key] = kept
        continue
      }
      try {
        const { ctx: shared, http } = contextFor(project, f.id, net)
        // The plugin sees the validated options, as at install time: they may pick the artifacts.
        const ctx = { ...shared, options: f.options }
        const feature = await project.feature(f.id)
        const mirror = mirrorFor(f.id, net.mirrors, net.env)
        const locked: LockedArtifact[] = []
        // An upstream without digests (trustOnFirstUse) is downloaded and hashed here, once: the lock pins it.
        const artifacts = await pinUnpublishedDigests(await artifactsFor(feature, f.version, parsePlatformKey(key), ctx), http, trust)
        // The lock records who signed each checksum file, so a later locked install notices a downgrade.
        const signers = await checkSignatures({ ref, http, trust, logger: net.logger, where: `${f.id}@${f.version.version} ${key}`, artifacts: artifacts.map((a) => ({ artifact: a, checksumSource: a.checksumSource })) })
        for (const [i, a] of artifacts.entries()) {
          // Upstream checksum files carry no sizes; a HEAD request does, without downloading.
          const size = a.size ?? (await http.size(a.url))
          if (size === undefined) warnings.push(`${f.id}@${f.version.version}: ${key}: size unknown (no Content-Length for ${redactUrl(http.resolve(a.url))})`)
          locked.push({
            url: canonicalUrl(a.url, ref.manifest.upstream, mirror), sha256: a.sha256.toLowerCase(), archive: a.archive, strip: a.strip,
            ...(size !== undefined ? { size } : {}), ...(a.fileName ? { fileName: a.fileName } : {}),
            checksumSource: canonicalUrl(a.checksumSource, ref.manifest.upstream, mirror),
            ...(signers[i] ? { signedBy: signers[i] } : {}),
          })
        }
        entries[key] = lockedPlatform(locked)
      } catch (err) {
        // Locking every platform (`all`): one the upstream does not ship for this version is
        // left out with a warning (`--frozen` there then fails with LOCKFILE_MISSING_PLATFORM).
        // A platform asked for by name must lock.
        if (!explicit && isRunnerError(err) && (err.code === 'UNSUPPORTED_PLATFORM' || err.code === 'CHECKSUM_MISSING')) warnings.push(`${f.id}@${f.version.version}: ${key} not locked: ${err.message}`)
        else throw err
      }
    }
    // Entries of platforms not asked for this time (an install locks its own OS's keys) stay
    // while the build is the same: re-locking Linux must not drop what was locked for Windows.
    if (sameBuild) for (const [key, entry] of Object.entries(old.platforms) as [LockPlatform, LockedPlatform][]) if (!platforms.includes(key)) entries[key] = entry
    features[f.id] = {
      version: f.version.version,
      requested: f.requirements.map(lockRequirement),
      plugin: { name: ref.name, version: ref.version, ...(integrity.has(ref.name) ? { integrity: integrity.get(ref.name)! } : {}) },
      options: f.options,
      dependsOn: f.dependsOn,
      platforms: entries,
    }
  }))
  const sorted = Object.fromEntries(Object.keys(features).sort().map((id) => [id, features[id]!]))
  return { lock: { lockfileVersion: 1, features: sorted }, warnings }
}

/** Deep equality of two JSON values regardless of key order. */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))) : x))
  return canonical(a) === canonical(b)
}

/** `LOCKFILE_OUTDATED` listing what differs. */
export function outdatedError(project: ConfigProject): RunnerError {
  return new RunnerError('LOCKFILE_OUTDATED', `the config and the lock disagree: ${project.lockDifferences.map((d) => d.message).join('; ')}`, {
    where: project.lockFile,
    hint: 'run `runner features lock` (or install without --frozen) and commit the updated lock',
    details: { differences: project.lockDifferences },
  })
}
