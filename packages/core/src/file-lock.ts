import { open, readFile, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { RunnerError } from './errors.js'

interface LockOwner {
  pid: number
  host: string
  since: string
}

/** True when the owner is a process on this host that no longer exists (killed, crashed). */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner
  } catch {
    return undefined
  }
}

export interface LockOptions {
  /** Give up after this long (`INSTALL_LOCKED`). */
  timeoutMs?: number
  /** Called once when we start waiting for another process. */
  onWait?: (owner: LockOwner | undefined) => void
  /** What the lock protects, for the error message. */
  what?: string
}

/**
 * Runs `fn` holding an exclusive lock file (`O_CREAT|O_EXCL`). A lock left by a process that died
 * (kill -9) is detected by its pid and taken over, so an interrupted run never blocks the next one.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000)
  let waited = false
  for (;;) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }))
      await handle.close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = await readOwner(path)
      // An empty or unreadable lock can be a creator that has not written yet: treat as live briefly.
      if (owner && isStale(owner)) {
        await rm(path, { force: true })
        continue
      }
      if (!waited) {
        waited = true
        options.onWait?.(owner)
      }
      if (Date.now() > deadline) {
        throw new RunnerError('INSTALL_LOCKED', `${options.what ?? path} is locked by process ${owner?.pid ?? '?'} on ${owner?.host ?? '?'}`, {
          where: path,
          hint: 'another install is running; wait for it, or remove the lock file if that process is gone',
        })
      }
      await sleep(50)
    }
  }
  try {
    return await fn()
  } finally {
    await rm(path, { force: true })
  }
}
