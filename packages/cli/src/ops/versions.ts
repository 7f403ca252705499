import { loadFeature, mirrorFor, readState, sortVersions, unknownFeature, type Logger } from '@runner-features/core'
import { createFeatureContext, detectPlatform } from '@runner-features/installer'
import { discover, type Runtime } from '../runtime.js'

export interface VersionsResult {
  schemaVersion: 1
  id: string
  /** `lts`: the LTS line's codename, or null (one type, never `false`); `date` null when unknown. */
  versions: { version: string; lts: string | null; date: string | null; installed: boolean }[]
}

/** `runner features versions <id>`: upstream versions, newest first, marking installed ones. */
export async function listRemoteVersions(rt: Runtime, id: string, opts: { mirrors: ReadonlyMap<string, string>; logger: Logger; signal: AbortSignal; refresh: boolean; prefix?: string }): Promise<VersionsResult> {
  const discovery = await discover(rt)
  const plugin = discovery.plugins.find((p) => p.manifest.id === id)
  if (!plugin) throw unknownFeature(id, `${id} (argument)`, discovery.plugins.map((p) => p.manifest.id))
  const [feature, platform, state] = await Promise.all([loadFeature(plugin), detectPlatform(rt.env), readState(rt.stateFile)])
  const { ctx } = createFeatureContext(feature, { platform, mirror: mirrorFor(id, opts.mirrors, rt.env), logger: opts.logger, signal: opts.signal, cacheDir: rt.cacheDir, indexTtlMs: opts.refresh ? 0 : 10 * 60_000 })
  const installed = new Set(state.installs.filter((r) => r.id === id).map((r) => r.version))
  const versions = sortVersions(await feature.listVersions(ctx))
    .filter((v) => opts.prefix === undefined || matchesPrefix(v.version, opts.prefix))
    .map((v) => ({ version: v.version, lts: typeof v.lts === 'string' && v.lts ? v.lts : null, date: v.date ?? null, installed: installed.has(v.version) }))
  return { schemaVersion: 1, id, versions }
}

/** `20` matches 20.x (not 200.x or 2.x), `1.5` matches 1.5.x, `v20` as `20`. */
export function matchesPrefix(version: string, prefix: string): boolean {
  const p = prefix.replace(/^v/, '')
  return version === p || version.startsWith(`${p}.`) || version.startsWith(`${p}-`)
}
