import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { redactUrl } from '@runner-features/core'

/** What one cache file holds. `url` is redacted: credentials never reach the disk. */
interface CacheEntry {
  url: string
  fetchedAt: number
  body: string
}

/**
 * Upstream indexes and checksum files cached on disk for a while (`<cacheDir>/index/<sha256>.json`,
 * keyed by the redacted URL), so repeated runs across a fleet do not hammer the mirror.
 *
 * Only what was used successfully is kept. A fresh response is first held in memory (`hold`);
 * it reaches the disk on `commit` (for JSON: once it parsed and matched its schema; for text:
 * when the caller's run succeeded) and is forgotten on `discard`. `discard` also deletes the
 * entries this run read from disk or committed: when a run fails, a cached index may be the
 * reason, and the next run should ask the mirror again rather than repeat the failure for the
 * rest of the TTL.
 */
export class IndexCache {
  private readonly pending = new Map<string, string>()
  private readonly readFromDisk = new Set<string>()
  /** Written by this run: a later failure in the same run (a checksum that does not match) drops them too. */
  private readonly committed = new Set<string>()

  constructor(private readonly cacheDir: string | undefined, private readonly ttlMs: number) {}

  private path(target: string): string | undefined {
    if (!this.cacheDir || this.ttlMs <= 0) return undefined
    return join(this.cacheDir, 'index', `${createHash('sha256').update(redactUrl(target)).digest('hex')}.json`)
  }

  /** A fresh enough cached body, or undefined. */
  async read(target: string): Promise<string | undefined> {
    const path = this.path(target)
    if (!path) return undefined
    try {
      const entry = JSON.parse(await readFile(path, 'utf8')) as CacheEntry
      if (entry.url === redactUrl(target) && typeof entry.body === 'string' && Date.now() - entry.fetchedAt < this.ttlMs) {
        this.readFromDisk.add(target)
        return entry.body
      }
    } catch {
      // missing or unreadable: fetch
    }
    return undefined
  }

  /** Keeps a fresh body in memory until {@link commit} or {@link discard}. */
  hold(target: string, body: string): void {
    if (this.path(target)) this.pending.set(target, body)
  }

  /** Writes held bodies (all, or the one for `target`) to disk. A cache that cannot be written is skipped. */
  async commit(target?: string): Promise<void> {
    const targets = target === undefined ? [...this.pending.keys()] : this.pending.has(target) ? [target] : []
    for (const t of targets) {
      const body = this.pending.get(t)!
      this.pending.delete(t)
      if (await this.write(t, body).then(() => true, () => false)) this.committed.add(t)
    }
  }

  /**
   * Forgets held bodies and deletes the entries this run read from disk or wrote (see the class
   * comment): callers may commit once resolution worked and still fail later, on a checksum.
   */
  async discard(target?: string): Promise<void> {
    const targets = target === undefined ? [...new Set([...this.pending.keys(), ...this.readFromDisk, ...this.committed])] : [target]
    for (const t of targets) {
      this.pending.delete(t)
      const onDisk = this.readFromDisk.delete(t)
      if (this.committed.delete(t) || onDisk) await rm(this.path(t)!, { force: true }).catch(() => undefined)
    }
  }

  /** Redacted URLs of the entries this run took from disk instead of the network. */
  usedFromDisk(): string[] {
    return [...this.readFromDisk].map(redactUrl)
  }

  private async write(target: string, body: string): Promise<void> {
    const path = this.path(target)!
    await mkdir(join(path, '..'), { recursive: true })
    await sweepOnce(join(path, '..'))
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    try {
      const entry: CacheEntry = { url: redactUrl(target), fetchedAt: Date.now(), body }
      await writeFile(tmp, JSON.stringify(entry))
      await rename(tmp, path)
    } finally {
      await rm(tmp, { force: true })
    }
  }
}

const swept = new Set<string>()

/**
 * Once per process and cache: deletes entries written by versions that stored the URL with its
 * credentials in clear (and keyed by it), and temp files of writers killed mid-write.
 */
async function sweepOnce(dir: string): Promise<void> {
  if (swept.has(dir)) return
  swept.add(dir)
  const names = await readdir(dir).catch(() => [] as string[])
  await Promise.all(names.map(async (name) => {
    const file = join(dir, name)
    if (name.endsWith('.tmp')) {
      const age = await stat(file).then((s) => Date.now() - s.mtimeMs, () => 0)
      if (age > 60 * 60_000) await rm(file, { force: true })
      return
    }
    if (!name.endsWith('.json')) return
    const url = await readFile(file, 'utf8').then((text) => (JSON.parse(text) as Partial<CacheEntry>).url, () => undefined)
    if (typeof url !== 'string' || url !== redactUrl(url)) await rm(file, { force: true })
  })).catch(() => undefined)
}
