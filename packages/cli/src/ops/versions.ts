import { loadFeature, mirrorFor, readState, sortVersions, unknownFeature, type Logger } from '@runner-features/core'
import { createFeatureContext, detectPlatform } from '@runner-features/installer'
import { discover, type Runtime } from '../runtime.js'

export interface VersionsResult {
  schemaVersion: 1
  id: string
  versions: { version: string; lts: string | false; date?: string; installed: boolean }[]
}

/** `runner features versions <id>`: upstream versions, newest first, marking installed ones. */
export async function listRemoteVersions(rt: Runtime, id: string, opts: { mirrors: ReadonlyMap<string, string>; logger: Logger; signal: AbortSignal; refresh: boolean }): Promise<VersionsResult> {
  const discovery = await discover(rt)
  const plugin = discovery.plugins.find((p) => p.manifest.id === id)
  if (!plugin) throw unknownFeature(id, `${id} (argument)`, discovery.plugins.map((p) => p.manifest.id))
  const [feature, platform, state] = await Promise.all([loadFeature(plugin), detectPlatform(rt.env), readState(rt.stateFile)])
  const { ctx } = createFeatureContext(feature, { platform, mirror: mirrorFor(id, opts.mirrors, rt.env), logger: opts.logger, signal: opts.signal, cacheDir: rt.cacheDir, indexTtlMs: opts.refresh ? 0 : 10 * 60_000 })
  const installed = new Set(state.installs.filter((r) => r.id === id).map((r) => r.version))
  const versions = sortVersions(await feature.listVersions(ctx)).map((v) => ({ version: v.version, lts: v.lts ?? false, date: v.date, installed: installed.has(v.version) }))
  return { schemaVersion: 1, id, versions }
}
