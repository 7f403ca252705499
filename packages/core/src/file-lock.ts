import { readlinkSync } from 'node:fs'
import { mkdir, open, rm, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { RunnerError } from './errors.js'
import { fsError, type WritableDirKind } from './fs-errors.js'

/** What a lock file records about its holder (JSON, one object). */
export interface LeaseRecord {
  pid: number
  host: string
  /**
   * The holder's PID namespace (`pid:[4026531836]` on Linux). Two containers can share a hostname
   * yet not each other's pids; a pid is only judged dead when host and namespace both match.
   */
  ns?: string
  /** Random per acquisition: tells this lease from a later one by the same pid. */
  token: string
  since: string
  /** Rewritten by the holder every {@link LockOptions.heartbeatMs}; the file's mtime moves with it. */
  heartbeat: string
}

export interface LockOptions {
  /** Give up waiting for a live holder after this long (`INSTALL_LOCKED`). */
  timeoutMs?: number
  /**
   * A lease not refreshed for this long is expired and taken over, on any host. Default 30 s, or
   * `RUNNER_FEATURES_LOCK_TTL` seconds (raise it for file systems with slow metadata, e.g. NFS).
   */
  ttlMs?: number
  /** How often the holder refreshes its lease. Default a sixth of the TTL. */
  heartbeatMs?: number
  /**
   * An empty or unreadable lock file (its creator was killed between create and write, or the disk
   * was full) is expired once its mtime is this old. Default 3 s (at most half the TTL).
   */
  graceMs?: number
  /** Called once when we start waiting for a live holder. */
  onWait?: (owner: LeaseRecord | undefined) => void
  /** What the lock protects, for the error message. */
  what?: string
  /** Which configurable dir the lock lives in, so a refused or full write names its setting. */
  kind?: WritableDirKind
}

/** A held lock. `signal` aborts if another process took it over (we stopped heartbeating for a TTL). */
export interface Lease {
  readonly path: string
  readonly token: string
  readonly signal: AbortSignal
  /** Throws `INSTALL_LOCKED` unless the lock file still names this lease; call before committing work. */
  assertHeld(): Promise<void>
}

interface Timing {
  ttlMs: number
  heartbeatMs: number
  graceMs: number
}

function timing(options: LockOptions): Timing {
  const fromEnv = Number(process.env.RUNNER_FEATURES_LOCK_TTL) * 1000
  const ttlMs = options.ttlMs ?? (fromEnv > 0 ? fromEnv : 30_000)
  return {
    ttlMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(10, Math.floor(ttlMs / 6)),
    graceMs: options.graceMs ?? Math.min(3_000, Math.floor(ttlMs / 2)),
  }
}

let pidNamespace: string | null | undefined
function ownNamespace(): string | undefined {
  if (pidNamespace === undefined) {
    try {
      pidNamespace = readlinkSync('/proc/self/ns/pid')
    } catch {
      pidNamespace = null
    }
  }
  return pidNamespace ?? undefined
}

/**
 * The holder's record, or undefined when the file is empty or garbled. A record without a token
 * (`{pid, host, since}`, written by versions before leases) is still a holder: judged by its pid on
 * this host and by the TTL elsewhere, with an empty token (never equal to a lease of ours).
 */
function parseRecord(text: string): LeaseRecord | undefined {
  try {
    const r = JSON.parse(text) as LeaseRecord
    if (typeof r !== 'object' || r === null) return undefined
    if (!Number.isInteger(r.pid) || typeof r.host !== 'string') return undefined
    if (r.token === undefined) return { ...r, token: '' }
    if (typeof r.token !== 'string' || !/^[a-z0-9]{8,64}$/i.test(r.token)) return undefined
    return r
  } catch {
    return undefined
  }
}

/** True when the holder is a process in our own pid space that no longer exists (killed, crashed). */
function holderIsDead(owner: LeaseRecord): boolean {
  if (owner.host !== hostname() || (owner.ns ?? null) !== (ownNamespace() ?? null)) return false
  if (owner.pid === process.pid) return false
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

type Verdict =
  | { state: 'gone' }
  | { state: 'live'; owner?: LeaseRecord; ageMs: number }
  | { state: 'expired'; owner?: LeaseRecord; generation: string; why: string }

/** Remembers when a waiter first saw a lock unchanged, so a holder whose clock runs ahead still expires. */
interface Observation {
  key: string
  since: number
}

/**
 * Reads a lock file and judges it. The file is opened before its attributes are read: on NFS,
 * open revalidates the attribute cache (close-to-open), so the mtime is the server's current one.
 */
async function inspect(path: string, t: Timing, seen?: { last?: Observation }): Promise<Verdict> {
  let text: string
  let mtimeMs: number
  let key: string
  try {
    const handle = await open(path, 'r')
    try {
      const info = await handle.stat({ bigint: true })
      mtimeMs = Number(info.mtimeMs)
      key = `${info.ino}-${info.mtimeNs}-${info.size}`
      text = await handle.readFile('utf8')
    } finally {
      await handle.close()
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'gone' }
    throw fsError(err, { action: 'reading a lock file', path })
  }
  const ageMs = Date.now() - mtimeMs
  // Unchanged under our own eyes for a whole TTL: expired whatever the holder's clock says.
  const now = performance.now()
  if (seen && seen.last?.key !== key) seen.last = { key, since: now }
  const unchangedMs = seen?.last ? now - seen.last.since : 0
  const owner = parseRecord(text)
  if (!owner) {
    const generation = `g${key}`
    if (ageMs > t.graceMs || unchangedMs > t.graceMs) return { state: 'expired', generation, why: text.trim() ? 'unreadable' : 'empty' }
    return { state: 'live', ageMs }
  }
  const generation = owner.token || `g${key}`
  if (holderIsDead(owner)) return { state: 'expired', owner, generation, why: `process ${owner.pid} is gone` }
  if (ageMs > t.ttlMs || unchangedMs > t.ttlMs) return { state: 'expired', owner, generation, why: `not refreshed for ${Math.round(Math.max(ageMs, unchangedMs) / 1000)} s` }
  return { state: 'live', owner, ageMs }
}

/**
 * Removes an expired lock so waiters can race for it with `O_EXCL`. Takeovers of one lock are
 * serialised by a second `O_EXCL` file (`<lock>.break`): under it, the lock is judged again and
 * removed only if it is still the very generation (token, or inode+mtime for a garbled file) that
 * was judged expired. So two waiters that both saw it expire never both remove a fresh lock that
 * one of them (or anyone) created in between. A `.break` left by a process killed mid-takeover is
 * itself removed once older than the grace period. Returns true when the lock is gone.
 */
async function takeOver(path: string, generation: string, t: Timing): Promise<boolean> {
  const breaker = `${path}.break`
  try {
    await (await open(breaker, 'wx')).close()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EEXIST') return false
    const info = await stat(breaker).catch(() => undefined)
    if (info && Date.now() - info.mtimeMs > t.graceMs) await rm(breaker, { force: true })
    return false
  }
  try {
    const again = await inspect(path, t)
    if (again.state === 'gone') return true
    if (again.state !== 'expired' || again.generation !== generation) return false
    await unlink(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(fsError(err, { action: 'removing an expired lock file', path }))))
    return true
  } finally {
    await rm(breaker, { force: true })
  }
}

/** Creates the lock file with `O_EXCL`; false when it exists. A lock half-written (full disk) is removed. */
async function tryCreate(path: string, record: LeaseRecord, kind?: WritableDirKind): Promise<boolean> {
  let handle
  for (let attempt = 0; ; attempt++) {
    try {
      handle = await open(path, 'wx')
      break
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return false
      // The dir was removed as empty by a cleanup between our mkdir and here: make it again, once.
      if (code === 'ENOENT' && attempt === 0) {
        await mkdir(dirname(path), { recursive: true }).catch((e: unknown) => Promise.reject(fsError(e, { action: 'creating a lock file', path: dirname(path), kind })))
        continue
      }
      throw fsError(err, { action: 'creating a lock file', path, kind })
    }
  }
  try {
    await handle.writeFile(JSON.stringify(record))
    await handle.close()
  } catch (err) {
    await handle.close().catch(() => undefined)
    await rm(path, { force: true })
    throw fsError(err, { action: 'writing a lock file', path, kind })
  }
  return true
}

/** Reads who holds `path` now (undefined when free or unreadable). */
async function currentToken(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r').catch(() => undefined)
  if (!handle) return undefined
  try {
    return parseRecord(await handle.readFile('utf8'))?.token
  } finally {
    await handle.close()
  }
}

// Plain fields, no parameter properties: tests load this file with Node's own type stripping.
class HeldLease implements Lease {
  readonly path: string
  readonly signal: AbortSignal
  private readonly record: LeaseRecord
  private readonly what: string
  private readonly abort = new AbortController()
  private readonly timer: NodeJS.Timeout
  private beating = false

  constructor(path: string, record: LeaseRecord, heartbeatMs: number, what: string) {
    this.path = path
    this.record = record
    this.what = what
    this.signal = this.abort.signal
    this.timer = setInterval(() => void this.beat(), heartbeatMs)
    this.timer.unref()
  }

  get token(): string {
    return this.record.token
  }

  /**
   * Refreshes the lease in place (same length, so a reader never sees it empty), after checking it
   * is still ours. Writing (rather than utimes with our clock) lets the file system stamp the mtime.
   */
  private async beat(): Promise<void> {
    if (this.beating || this.signal.aborted) return
    this.beating = true
    try {
      const handle = await open(this.path, 'r+')
      try {
        const current = parseRecord(await handle.readFile('utf8'))
        if (current?.token !== this.record.token) {
          this.lost(current)
          return
        }
        this.record.heartbeat = new Date().toISOString()
        const text = JSON.stringify(this.record)
        await handle.write(text, 0)
        await handle.truncate(Buffer.byteLength(text))
      } finally {
        await handle.close()
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.lost(undefined)
      // Anything else (a transient NFS error): try again at the next beat.
    } finally {
      this.beating = false
    }
  }

  private lost(by: LeaseRecord | undefined): void {
    this.abort.abort(lostError(this.path, this.what, by))
    clearInterval(this.timer)
  }

  async assertHeld(): Promise<void> {
    if (!this.signal.aborted && (await currentToken(this.path)) !== this.record.token) this.lost(undefined)
    if (this.signal.aborted) throw this.signal.reason
  }

  async release(): Promise<void> {
    clearInterval(this.timer)
    // Never remove a lock that is no longer ours (someone took it over after we stalled).
    if ((await currentToken(this.path).catch(() => undefined)) === this.record.token) await rm(this.path, { force: true })
    wakeLocalWaiters(this.path)
  }
}

function lostError(path: string, what: string, by: LeaseRecord | undefined): RunnerError {
  return new RunnerError('INSTALL_LOCKED', `${what}: this process lost its lock${by ? ` to process ${by.pid} on ${by.host}` : ''} after not refreshing it in time`, {
    where: path,
    hint: 'the machine or file system was too slow to refresh the lease; nothing was committed, run the command again (or raise RUNNER_FEATURES_LOCK_TTL)',
  })
}

/** `token` from node:crypto, imported by the caller only when a lock is taken: loading it costs ~5 ms, and read-only paths (`features list`, the no-op install) bundle this module. */
function newRecord(token: string): LeaseRecord {
  const now = new Date().toISOString()
  const ns = ownNamespace()
  return { pid: process.pid, host: hostname(), ...(ns ? { ns } : {}), token, since: now, heartbeat: now }
}

/**
 * Acquires the lease on `path`, waiting for a live holder up to `timeoutMs` (0: do not wait and
 * return undefined if held). Expired leases (dead pid on this host, not refreshed for a TTL on any
 * host, empty or garbled past the grace) are taken over.
 */
async function acquire(path: string, options: LockOptions, wait: boolean): Promise<HeldLease | undefined> {
  const t = timing(options)
  const what = options.what ?? path
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000)
  const seen: { last?: Observation } = {}
  let waited = false
  let delay = 20
  for (;;) {
    const record = newRecord((await import('node:crypto')).randomBytes(12).toString('hex'))
    if (await tryCreate(path, record, options.kind)) return new HeldLease(path, record, t.heartbeatMs, what)
    const verdict = await inspect(path, t, seen)
    if (verdict.state === 'gone') continue
    if (verdict.state === 'expired' && (await takeOver(path, verdict.generation, t))) continue
    if (!wait) return undefined
    if (!waited) {
      waited = true
      options.onWait?.(verdict.state === 'live' ? verdict.owner : undefined)
    }
    if (Date.now() >= deadline) throw lockedError(path, what, verdict.state === 'live' ? verdict : undefined, t)
    await waitForRelease(path, delay)
    delay = Math.min(delay * 2, 250)
  }
}

/** Waiters in this process, woken at once when a lease on the same path is released here. */
const localWaiters = new Map<string, Set<() => void>>()

async function waitForRelease(path: string, ms: number): Promise<void> {
  const ac = new AbortController()
  let wake!: () => void
  const woken = new Promise<void>((resolve) => (wake = resolve))
  const set = localWaiters.get(path) ?? new Set()
  localWaiters.set(path, set.add(wake))
  try {
    await Promise.race([woken, sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined)])
  } finally {
    ac.abort()
    set.delete(wake)
    if (set.size === 0) localWaiters.delete(path)
  }
}

function wakeLocalWaiters(path: string): void {
  for (const wake of localWaiters.get(path) ?? []) wake()
}

function lockedError(path: string, what: string, live: { owner?: LeaseRecord; ageMs: number } | undefined, t: Timing): RunnerError {
  const o = live?.owner
  const holder = o ? `process ${o.pid} on ${o.host} (holding it since ${o.since}, last refreshed ${Math.max(0, Math.round((live?.ageMs ?? 0) / 1000))} s ago)` : 'another process that is still creating it'
  return new RunnerError('INSTALL_LOCKED', `${what} is locked by ${holder}`, {
    where: path,
    hint: `another install is running and still refreshing its lock; wait for it to finish and run the command again (a holder that stops refreshing it is taken over after ${Math.round(t.ttlMs / 1000)} s, so no manual removal is needed)`,
    details: o ? { pid: o.pid, host: o.host, since: o.since } : undefined,
  })
}

/**
 * Runs `fn` holding the lease on `path`, then releases it. The holder refreshes the lease while
 * `fn` runs; a process killed with -9 (any host) stops refreshing and is taken over after the TTL,
 * at once when it was on this host and its pid is gone. So no lock ever needs deleting by hand.
 */
export async function withFileLock<T>(path: string, fn: (lease: Lease) => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lease = (await acquire(path, options, true))!
  try {
    return await fn(lease)
  } finally {
    await lease.release()
  }
}

/**
 * Like {@link withFileLock} but never waits: returns `{ran: false}` at once when a live holder has
 * the lease (cleanup passes use it to skip what a neighbour is working on).
 */
export async function tryWithFileLock<T>(path: string, fn: (lease: Lease) => Promise<T>, options: Omit<LockOptions, 'timeoutMs' | 'onWait'> = {}): Promise<{ ran: true; value: T } | { ran: false }> {
  const lease = await acquire(path, options, false)
  if (!lease) return { ran: false }
  try {
    return { ran: true, value: await fn(lease) }
  } finally {
    await lease.release()
  }
}

/** Judges the lock at `path` without touching it: free, held by a live lease, or expired. */
export async function lockState(path: string, options: Pick<LockOptions, 'ttlMs' | 'graceMs'> = {}): Promise<'free' | 'live' | 'expired'> {
  const verdict = await inspect(path, timing(options))
  return verdict.state === 'gone' ? 'free' : verdict.state
}
