import { lstat, readlink } from 'node:fs/promises'
import { basename } from 'node:path'
import { archFromNode, newestInstalled, parseFeatureRequest, readState, type InstalledRecord } from '@runner-features/core'
import type { Runtime } from '../runtime.js'
import type { InstallReport } from './install-report.js'

/**
 * The no-op re-install, answered from the state manifest alone: every request must be satisfied by
 * an installed version whose tool-cache marker exists and whose bin links already point at it.
 * No plugin code, no network. Returns undefined when anything needs real work (the full path
 * then takes over and decides).
 */
export async function tryNoopInstall(rt: Runtime, specs: readonly string[], link: boolean): Promise<InstallReport | undefined> {
  if (specs.length === 0) return undefined
  const requests = specs.map((s) => parseFeatureRequest(s))
  const state = await readState(rt.stateFile)
  const results: InstallReport['results'] = []
  for (const req of requests) {
    const hit = newestInstalled(state, req.id, archFromNode(process.arch) ?? process.arch, req.spec)
    if (!hit || !(await intact(hit, rt, link))) return undefined
    results.push({ id: req.id, spec: req.spec.raw, version: hit.version, status: 'already-installed', path: hit.path, sha256: hit.sha256, sourceUrl: hit.sourceUrl, links: hit.links })
  }
  return { schemaVersion: 1, dryRun: false, results, requests: 0 }
}

async function intact(record: InstalledRecord, rt: Runtime, link: boolean): Promise<boolean> {
  const marker = `${record.path}.complete`
  if (!(await lstat(marker).then(() => true, () => false))) return false
  if (!link) return true
  const mine = record.links.filter((l) => l.startsWith(rt.binDir + '/'))
  if (mine.length === 0) return false
  for (const l of mine) {
    const target = await readlink(l).catch(() => undefined)
    if (!target || !target.startsWith(record.path + '/') || basename(l) !== basename(target)) return false
  }
  return true
}
