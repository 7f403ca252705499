import {
  RunnerError, artifactsFor, assertSupported, isRunnerError, loadFeature, mirrorFor, parseFeatureRequest, readState,
  availableVersions, isSystemInstall, newestInstalled, redactUrl, resolveVersion, unknownFeature,
  type FeatureRequest, type Logger, type PluginRef, type RemoteVersion,
} from '@runner-features/core'
import { createFeatureContext, detectPlatform, installFeature, isComplete, systemPackagesFor, toolCacheEntry, type Progress } from '@runner-features/installer'
import { discover, type Runtime } from '../runtime.js'
import { plannedDownload, type InstallReport, type InstallReportItem } from './install-report.js'

export interface InstallOptions {
  specs: readonly string[]
  mirrors: ReadonlyMap<string, string>
  dryRun: boolean
  link: boolean
  jobs: number
  logger: Logger
  signal: AbortSignal
  /** Ignore installed versions and the index cache when resolving prefixes and ranges. */
  refresh: boolean
  onProgress?: (id: string, p: Progress) => void
  onStart?: (id: string, version: string, from: string) => void
}

interface Planned {
  request: FeatureRequest
  plugin: PluginRef
}

/**
 * `runner features install`: validate every request (ids, specs, platforms) before any download,
 * resolve versions (installed ones first, so a re-install makes no request), then install the
 * features in parallel, each through the atomic install flow. Failures are collected per feature.
 */
export async function installFeatures(rt: Runtime, options: InstallOptions): Promise<InstallReport> {
  const [discovery, platform, state] = await Promise.all([discover(rt), detectPlatform(rt.env), readState(rt.stateFile)])
  const known = discovery.plugins.map((p) => p.manifest.id)
  const planned: Planned[] = options.specs.map((text) => {
    const id = text.split('@')[0]!
    const plugin = discovery.plugins.find((p) => p.manifest.id === id)
    if (!plugin) {
      const problem = discovery.problems.find((p) => p.where.includes(id))
      if (problem) throw new RunnerError('PLUGIN_INVALID', problem.message, { where: problem.where, hint: 'reinstall that plugin with `runner plugins install`' })
      throw unknownFeature(id, `${text} (argument)`, known)
    }
    const request = parseFeatureRequest(text, 'argument', plugin.manifest.defaultVersion)
    assertSupported(plugin.manifest, platform, `${text} (argument)`)
    return { request, plugin }
  })
  const ids = planned.map((p) => p.request.id)
  const dup = ids.find((id, i) => ids.indexOf(id) !== i)
  if (dup) throw new RunnerError('INVALID_ARGUMENT', `${dup} is requested twice`, { where: 'arguments', hint: 'one version per feature and run; install another version in a second command' })
  for (const id of options.mirrors.keys()) {
    if (!known.includes(id)) throw unknownFeature(id, `--mirror ${id}=…`, known)
  }

  let requests = 0
  const onRequest = () => void requests++
  const run = async ({ request, plugin }: Planned): Promise<InstallReportItem> => {
    const started = Date.now()
    const item: InstallReportItem = { id: request.id, spec: request.spec.raw, version: '', status: 'failed' }
    try {
      const installed = options.refresh ? undefined : newestInstalled(state, request.id, platform.arch, request.spec)
      const feature = await loadFeature(plugin)
      const { ctx, http } = createFeatureContext(feature, {
        platform, mirror: mirrorFor(request.id, options.mirrors, rt.env), logger: options.logger, signal: options.signal,
        cacheDir: rt.cacheDir, indexTtlMs: options.refresh ? 0 : 10 * 60_000, onRequest,
      })
      let version: RemoteVersion
      if (installed && (await isComplete(toolCacheEntry(rt.toolCacheRoot, feature.toolName, installed.version, installed.arch)))) {
        version = { version: installed.version }
      } else {
        version = resolveVersion(request.id, request.spec, await availableVersions(feature, [request.spec], ctx))
      }
      item.version = version.version
      const entry = toolCacheEntry(rt.toolCacheRoot, feature.toolName, version.version, platform.arch)
      item.path = entry.installDir
      if (options.dryRun && isSystemInstall(feature, version)) {
        // Distro packages: nothing to download or checksum here; the package manager verifies them.
        const packages = systemPackagesFor(feature, platform, `${request.id}@${request.spec.raw}`)
        return { ...item, status: 'would-install', sourceUrl: `${platform.distro.family}:${packages.join(',')}`, fetchFrom: `the ${platform.distro.id} package manager` }
      }
      if (options.dryRun) {
        if (await isComplete(entry)) return { ...item, status: 'already-installed' }
        return { ...item, status: 'would-install', ...plannedDownload(await artifactsFor(feature, version, platform, ctx), (u) => redactUrl(http.resolve(u))) }
      }
      options.onStart?.(request.id, version.version, isSystemInstall(feature, version) ? `the ${platform.distro.id} package manager` : redactUrl(http.resolve(feature.upstream)))
      const outcome = await installFeature(
        { feature, plugin, version, platform, ctx, http },
        {
          toolCacheRoot: rt.toolCacheRoot, binDir: rt.binDir, cacheDir: rt.cacheDir, stateFile: rt.stateFile, env: rt.env, link: options.link,
          onProgress: (p) => options.onProgress?.(request.id, p),
          onWait: (what) => options.logger.info(`waiting for another process installing ${what}`),
        },
      )
      return {
        ...item, status: outcome.status, path: outcome.record.path, sourceUrl: outcome.record.sourceUrl, sha256: outcome.record.sha256,
        size: outcome.record.size, fromCache: outcome.fromCache, links: outcome.record.links, seconds: (Date.now() - started) / 1000,
        ...(outcome.record.artifacts ? { artifacts: outcome.record.artifacts } : {}),
      }
    } catch (err) {
      const e = isRunnerError(err) ? err : new RunnerError('DOWNLOAD_FAILED', (err as Error).message, { where: `${request.id}@${request.spec.raw}`, cause: err })
      return { ...item, status: 'failed', error: { code: e.code, message: e.message, where: e.where, hint: e.hint } }
    }
  }
  const results = await mapLimit(planned, Math.max(1, options.jobs), run)
  return { schemaVersion: 1, dryRun: options.dryRun, results, requests }
}

/** Runs `fn` over `items` with at most `limit` at once, keeping order in the result. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

