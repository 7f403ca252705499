import { randomBytes } from 'node:crypto'
import { readlinkSync } from 'node:fs'
import { readdir, rm, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'

/**
 * Partial downloads live in `<cache>/downloads/tmp/` until verified, then are renamed into
 * `downloads/sha256/`. A process killed mid-download (or a full disk) leaves one behind; the cache
 * is shared by every pod of a fleet, so the sweep must never remove a file another live process is
 * still writing. Each name carries its writer: `<sha256 prefix>.<host>.<pid namespace>.<pid>.<random>.part`.
 */

/**
 * A temp file from another host (or one we cannot attribute) is removed once untouched for this
 * long. A live writer touches its file with every chunk and gives up after the HTTP idle timeout
 * (seconds to minutes), so an hour-old mtime can only be an abandoned file.
 */
export const TMP_GRACE_MS = 60 * 60 * 1000

const NAME = /^([0-9a-f]{16})\.(.+)\.(\d+)\.(\d+)\.([0-9a-f]{8})\.part$/

export function downloadTmpDir(cacheDir: string): string {
  return join(cacheDir, 'downloads', 'tmp')
}

/** A fresh temp path for a download of `sha256`, naming this process as its writer. */
export function downloadTmpPath(cacheDir: string, sha256: string): string {
  return join(downloadTmpDir(cacheDir), `${sha256.slice(0, 16)}.${safeHost()}.${pidNamespace()}.${process.pid}.${randomBytes(4).toString('hex')}.part`)
}

/**
 * Removes abandoned temp files: those whose writer was a process on this host (same pid
 * namespace) that is gone, at once; any other (another host, a container with its own pids, an
 * older naming) once older than `graceMs`. Files of live local writers, this process's own
 * included, are kept. Errors are ignored: a sweep is housekeeping, never a reason to fail an install.
 */
export async function sweepDownloadTmp(cacheDir: string, graceMs = TMP_GRACE_MS, now = Date.now()): Promise<string[]> {
  const dir = downloadTmpDir(cacheDir)
  const names = await readdir(dir).catch(() => [] as string[])
  const removed: string[] = []
  await Promise.all(names.map(async (name) => {
    const writer = NAME.exec(name)
    const local = writer !== null && writer[2] === safeHost() && Number(writer[3]) === pidNamespace()
    if (local) {
      if (isAlive(Number(writer[4]))) return
    } else {
      const mtime = await stat(join(dir, name)).then((s) => s.mtimeMs, () => undefined)
      if (mtime === undefined || now - mtime < graceMs) return
    }
    await rm(join(dir, name), { force: true, recursive: true }).then(() => removed.push(name), () => undefined)
  }))
  return removed.sort()
}

const swept = new Map<string, Promise<unknown>>()

/** {@link sweepDownloadTmp} at most once per cache dir and process: every install calls it, the first one sweeps. */
export function sweepDownloadTmpOnce(cacheDir: string): Promise<unknown> {
  let sweep = swept.get(cacheDir)
  if (!sweep) {
    sweep = sweepDownloadTmp(cacheDir)
    swept.set(cacheDir, sweep)
  }
  return sweep
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

let host: string | undefined
function safeHost(): string {
  host ??= hostname().replace(/[^A-Za-z0-9-]/g, '_') || 'localhost'
  return host
}

let namespace: number | undefined
/** The inode of this process's pid namespace (two containers may share a hostname, never their pids); 0 where unknown. */
function pidNamespace(): number {
  if (namespace === undefined) {
    try {
      namespace = Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? 0)
    } catch {
      namespace = 0
    }
  }
  return namespace
}
