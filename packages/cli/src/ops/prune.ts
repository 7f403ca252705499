import { compareVersions, parseVersionSpec, readState, specAcceptsInstalled, type InstalledRecord } from '@runner-features/core'
import { loadConfig, lockPathFor, readLockfile } from '@runner-features/core/config'
import { uninstallVersion } from '@runner-features/installer'
import type { Runtime } from '../runtime.js'
import { isLinked } from './is-linked.js'

export interface PruneResult {
  schemaVersion: 1
  dryRun: boolean
  config: string
  /** Removed (or, with dryRun, would be removed). */
  removed: { id: string; version: string; arch: string; path: string }[]
  /** Kept, with why: `lock`, `config <spec>`, `linked`. */
  kept: { id: string; version: string; arch: string; reason: string }[]
}

/**
 * `runner features prune`: removes installed versions that neither the team config nor its lock
 * references. A config entry references the newest installed version its spec accepts (the one an
 * install would use); the lock references its pinned version; a version whose bins are linked is
 * kept too (removing it would change what `node` runs; uninstall it explicitly).
 */
export async function pruneVersions(rt: Runtime, o: { cwd: string; config?: string; dryRun: boolean }): Promise<PruneResult> {
  const config = await loadConfig(o.cwd, o.config)
  const lock = await readLockfile(lockPathFor(config.file))
  const state = await readState(rt.stateFile)
  const reasons = new Map<InstalledRecord, string>()
  for (const r of state.installs) {
    if (lock?.features[r.id]?.version === r.version) reasons.set(r, 'lock')
  }
  for (const entry of config.entries) {
    const spec = parseVersionSpec(entry.spec ?? 'latest', entry.source)
    const newest = state.installs
      .filter((r) => r.id === entry.id && specAcceptsInstalled(spec, r.version))
      .sort((a, b) => compareVersions(b.version, a.version))
    for (const arch of new Set(newest.map((r) => r.arch))) {
      const r = newest.find((x) => x.arch === arch)!
      if (!reasons.has(r)) reasons.set(r, `config ${entry.id}@${entry.spec ?? 'latest'}`)
    }
  }
  for (const r of state.installs) if (!reasons.has(r) && (await isLinked(r))) reasons.set(r, 'linked')
  const removed: PruneResult['removed'] = []
  for (const r of state.installs) {
    if (reasons.has(r)) continue
    if (!o.dryRun) await uninstallVersion(r, rt)
    removed.push({ id: r.id, version: r.version, arch: r.arch, path: r.path })
  }
  const kept = [...reasons].map(([r, reason]) => ({ id: r.id, version: r.version, arch: r.arch, reason }))
  return { schemaVersion: 1, dryRun: o.dryRun, config: config.display, removed, kept }
}
