import { lstatSync, readlinkSync } from 'node:fs'
import { basename } from 'node:path'
import { archFromNode, newestInstalled, parseFeatureRequest, parseVersionSpec, readState, type InstalledRecord, type InstalledState, type PluginRef } from '@runner-features/core'
import { discover, type RunEnv } from './run-env.js'
import type { InstallReport } from './report.js'

/**
 * The no-op re-install, answered from the state manifest alone: every request must be satisfied by
 * an installed version whose tool-cache marker exists and whose bin links already point at it, and
 * so must everything the requests pull in through `dependsOn` (read from package.json files, as
 * the full path's resolver does). No plugin code, no network. Returns undefined when anything
 * needs real work (the full path then takes over and decides).
 */
export async function tryNoopInstall(rt: RunEnv, specs: readonly string[], link: boolean): Promise<InstallReport | undefined> {
  if (specs.length === 0) return undefined
  const requests = specs.map((s) => parseFeatureRequest(s))
  // Plugin manifests (for dependsOn) are read while the state and links are checked.
  const manifests = discover(rt).then((d) => new Map(d.plugins.map((p) => [p.manifest.id, p])), () => undefined)
  const state = await readState(rt.stateFile)
  const arch = archFromNode(process.arch) ?? process.arch
  const results: InstallReport['results'] = []
  for (const req of requests) {
    const hit = newestInstalled(state, req.id, arch, req.spec)
    if (!hit || !intact(hit, rt, link)) return undefined
    results.push({ id: req.id, spec: req.spec.raw, version: hit.version, status: 'already-installed', path: hit.path, sha256: hit.sha256, sourceUrl: hit.sourceUrl, links: hit.links })
  }
  const plugins = await manifests
  if (!plugins || !(await dependenciesInstalled(rt, plugins, state, arch, requests.map((r) => r.id), link))) return undefined
  return { schemaVersion: 1, dryRun: false, results, requests: 0 }
}

/** Every `dependsOn` of `ids`, recursively, is satisfied by an intact install. */
async function dependenciesInstalled(rt: RunEnv, plugins: ReadonlyMap<string, PluginRef>, state: InstalledState, arch: string, ids: readonly string[], link: boolean): Promise<boolean> {
  const seen = new Set(ids)
  const queue = [...ids]
  while (queue.length) {
    const ref = plugins.get(queue.shift()!)
    if (!ref) return false
    for (const dep of ref.manifest.dependsOn ?? []) {
      if (seen.has(dep.id)) continue
      seen.add(dep.id)
      const hit = newestInstalled(state, dep.id, arch, parseVersionSpec(dep.version, `${dep.id}@${dep.version} (plugin ${ref.name})`))
      if (!hit || !intact(hit, rt, link)) return false
      queue.push(dep.id)
    }
  }
  return true
}

/**
 * Synchronous on purpose: these are one lstat and a readlink per bin, and the first async fs call
 * would start libuv's thread pool and load fs/promises, which costs more than the calls themselves
 * on the no-op path (docs/benchmarks.md).
 */
function intact(record: InstalledRecord, rt: RunEnv, link: boolean): boolean {
  const marker = `${record.path}.complete`
  if (!lstatSync(marker, { throwIfNoEntry: false })) return false
  if (!link) return true
  const mine = record.links.filter((l) => l.startsWith(rt.binDir + '/'))
  if (mine.length === 0) return false
  for (const l of mine) {
    let target: string | undefined
    try {
      target = readlinkSync(l)
    } catch {
      target = undefined
    }
    if (!target || !target.startsWith(record.path + '/') || basename(l) !== basename(target)) return false
  }
  return true
}
