import { readdir, rm, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import { readState, tryWithFileLock, updateState, type LockOptions } from '@runner-features/core'
import { exists, toolCacheEntry, type ToolCacheEntry } from './toolcache.js'

/** What one sweep removed (paths), for logs and tests. */
export interface SweepResult {
  removed: string[]
}

export interface SweepOptions {
  /** The state manifest: a record of an install dir that is swept (no marker) is dropped with it. */
  stateFile?: string
  /** Lease timings of the per-install locks (tests shorten them). */
  lock?: Pick<LockOptions, 'ttlMs' | 'graceMs'>
}

const STAGING = /^\.staging-(.+)-\d+-[0-9a-f]+$/

/**
 * Removes what interrupted or failed installs of one tool left in `<root>/<tool>/`: `.staging-*`
 * dirs, install dirs without their `.complete` marker (and their state records), expired lock
 * files, and the version dirs (then the tool dir) this leaves empty. Every `<version>/<arch>` is
 * cleaned only while holding its install lease, taken without waiting: whatever a live neighbour
 * (this host or another sharing the volume) is installing is skipped, never deleted under it.
 */
export async function sweepTool(root: string, tool: string, options: SweepOptions = {}): Promise<SweepResult> {
  const result: SweepResult = { removed: [] }
  const toolDir = join(root, tool)
  const versions = await readdir(toolDir).catch(() => [] as string[])
  for (const version of versions) {
    if (version.startsWith('.')) continue
    const versionDir = join(toolDir, version)
    const names = await readdir(versionDir).catch(() => undefined)
    if (!names) continue
    for (const arch of archesNeedingCleanup(names)) {
      const entry = toolCacheEntry(root, tool, version, arch)
      await tryWithFileLock(entry.lock, async () => {
        result.removed.push(...(await removeLeftovers(entry, arch, options.stateFile)))
      }, { ...options.lock, what: `${tool}/${version}/${arch}` }).catch(() => undefined)
    }
    if (await rmdir(versionDir).then(() => true, () => false)) result.removed.push(versionDir)
  }
  if (versions.length && (await rmdir(toolDir).then(() => true, () => false))) result.removed.push(toolDir)
  return result
}

/** Every tool under `root` (a whole-cache sweep, e.g. once per run or from a maintenance command). */
export async function sweepToolCache(root: string, options: SweepOptions = {}): Promise<SweepResult> {
  const tools = await readdir(root, { withFileTypes: true }).catch(() => [])
  const result: SweepResult = { removed: [] }
  for (const t of tools) {
    if (t.isDirectory() && !t.name.startsWith('.')) result.removed.push(...(await sweepTool(root, t.name, options)).removed)
  }
  return result
}

/** Arches of one version dir with something an install left: staging, a dir without marker, a lock. */
function archesNeedingCleanup(names: readonly string[]): Set<string> {
  const present = new Set(names)
  const arches = new Set<string>()
  for (const name of names) {
    const staging = STAGING.exec(name)
    if (staging) arches.add(staging[1]!)
    else if (name.endsWith('.lock')) arches.add(name.slice(0, -'.lock'.length))
    else if (name.endsWith('.lock.break')) arches.add(name.slice(0, -'.lock.break'.length))
    else if (!name.startsWith('.') && !name.includes('.') && !present.has(`${name}.complete`)) arches.add(name)
  }
  return arches
}

/**
 * Under the install lease: removes a stale `<arch>.lock.break`, `.staging-<arch>-*` dirs (a staging dir only lives while its
 * creator holds this lease, so all are stale now) and an install dir without its marker, dropping
 * a state record that points at it (written just before the killed process could write the marker).
 */
export async function removeLeftovers(entry: ToolCacheEntry, arch: string, stateFile?: string): Promise<string[]> {
  const removed: string[] = []
  // A takeover guard left by a process killed mid-takeover (harmless to remove while we hold the lease).
  await rm(`${entry.lock}.break`, { force: true })
  const names = await readdir(entry.versionDir).catch(() => [] as string[])
  for (const name of names) {
    if (STAGING.exec(name)?.[1] !== arch) continue
    await rm(join(entry.versionDir, name), { recursive: true, force: true })
    removed.push(join(entry.versionDir, name))
  }
  if ((await exists(entry.installDir)) && !(await exists(entry.marker))) {
    if (stateFile && (await readState(stateFile).catch(() => undefined))?.installs.some((r) => r.path === entry.installDir)) {
      await updateState(stateFile, (s) => ({ ...s, installs: s.installs.filter((r) => r.path !== entry.installDir) }))
    }
    await rm(entry.installDir, { recursive: true, force: true })
    removed.push(entry.installDir)
  }
  return removed
}
