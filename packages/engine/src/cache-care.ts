import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { RunnerError } from '@runner-features/core'

/** One entry of the download cache: a verified artifact or a cached index/checksum/signature. */
export interface CacheEntry {
  kind: 'download' | 'index'
  /** The artifact's sha256, or the index entry's file name. */
  name: string
  path: string
  size: number
  /** Last written (ISO): artifacts are written once, so this is when it was first downloaded. */
  modified: string
}

export interface CacheListing {
  cacheDir: string
  entries: CacheEntry[]
  totalBytes: number
}

/**
 * Lists `<cacheDir>/downloads/sha256/*` and `<cacheDir>/index/*`, oldest first. Only finished
 * entries: a download still being written lives in a temp dir and is never listed.
 */
export async function listCache(cacheDir: string): Promise<CacheListing> {
  const entries: CacheEntry[] = []
  for (const [kind, dir] of [['download', join(cacheDir, 'downloads', 'sha256')], ['index', join(cacheDir, 'index')]] as const) {
    const names = await readdir(dir).catch(() => [] as string[])
    for (const name of names) {
      if (kind === 'download' ? !/^[0-9a-f]{64}$/.test(name) : !name.endsWith('.json')) continue
      const info = await stat(join(dir, name)).catch(() => undefined)
      if (info?.isFile()) entries.push({ kind, name, path: join(dir, name), size: info.size, modified: info.mtime.toISOString() })
    }
  }
  entries.sort((a, b) => a.modified.localeCompare(b.modified) || a.name.localeCompare(b.name))
  return { cacheDir, entries, totalBytes: entries.reduce((n, e) => n + e.size, 0) }
}

export interface PruneOptions {
  /** Keep at most this many bytes (oldest removed first). */
  maxBytes?: number
  /** Remove entries last written longer ago than this. */
  olderThanMs?: number
  dryRun?: boolean
  now?: number
}

/**
 * Removes cache entries by age and then, oldest first, until the cache fits `maxBytes`. Safe
 * while other installs run on the same (shared) cache: each entry is one file removed with one
 * unlink, so a reader either opened it already (and keeps reading it) or finds it missing and
 * downloads again; every cached file is re-hashed when used, so nothing half-removed is trusted.
 * In-flight downloads live in temp dirs this never touches.
 */
export async function pruneCache(cacheDir: string, o: PruneOptions): Promise<CacheListing & { removed: CacheEntry[]; freedBytes: number }> {
  if (o.maxBytes === undefined && o.olderThanMs === undefined) {
    throw new RunnerError('INVALID_ARGUMENT', 'nothing to prune by', { where: 'runner features cache prune', hint: 'give --max-size (e.g. 5G) and/or --older-than (e.g. 30d)' })
  }
  const listing = await listCache(cacheDir)
  const now = o.now ?? Date.now()
  const removed: CacheEntry[] = []
  let total = listing.totalBytes
  for (const entry of listing.entries) {
    const old = o.olderThanMs !== undefined && now - Date.parse(entry.modified) > o.olderThanMs
    const over = o.maxBytes !== undefined && total > o.maxBytes
    if (!old && !over) continue
    if (!o.dryRun) await rm(entry.path, { force: true })
    removed.push(entry)
    total -= entry.size
  }
  const kept = listing.entries.filter((e) => !removed.includes(e))
  return { cacheDir, entries: kept, totalBytes: total, removed, freedBytes: listing.totalBytes - total }
}

/** `30d`, `12h`, `90m`, `45s` → milliseconds; undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([smhdw])$/.exec(text.trim())
  if (!m) return undefined
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w']
  return Number(m[1]) * unit
}
