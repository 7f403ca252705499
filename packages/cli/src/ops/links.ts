import { binsFor, compareVersions, hostOs, loadFeature, readState, sameInstall, updateState, type InstalledRecord } from '@runner-features/core'
import { linkBins } from '@runner-features/installer'
import { discover, type Runtime } from '../runtime.js'

export { isLinked } from './is-linked.js'

/** What uninstalling the linked version did to the bin links. */
export interface Relink {
  /** The version now linked instead, or null when no other version of the feature is installed. */
  version: string | null
  links: string[]
}

/**
 * After the linked version of a feature was uninstalled, links the newest other installed version
 * of it (same arch) instead, so `node` keeps working while any node is installed; records the new
 * links in the state. Returns null as the version when none is left (the links are gone).
 */
export async function relinkAfterUninstall(rt: Runtime, removed: InstalledRecord): Promise<Relink> {
  const state = await readState(rt.stateFile)
  const next = state.installs
    .filter((r) => r.id === removed.id && r.arch === removed.arch)
    .sort((a, b) => compareVersions(b.version, a.version))[0]
  if (!next) return { version: null, links: [] }
  const plugin = (await discover(rt)).plugins.find((p) => p.manifest.id === removed.id)
  if (!plugin) return { version: null, links: [] }
  const feature = await loadFeature(plugin)
  const links = await linkBins(next.path, binsFor(feature, hostOs()), rt.binDir, rt.toolCacheRoot)
  await updateState(rt.stateFile, (s) => ({
    ...s,
    installs: s.installs.map((r) => (sameInstall(r, next) ? { ...r, links: [...new Set([...r.links, ...links])] } : r)),
  }))
  return { version: next.version, links }
}
