import { readFileSync } from 'node:fs'
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { RunnerError } from './errors.js'
import { withFileLock, type LockOptions } from './file-lock.js'
import { fsError } from './fs-errors.js'
import { compareText } from './compare.js'

/** One installed feature version, as `runner features list` reports it. */
export interface InstalledRecord {
  id: string
  toolName: string
  version: string
  arch: string
  /** The install dir: `<root>/<toolName>/<version>/<arch>`. */
  path: string
  /** Canonical upstream URL of the (first) artifact (never the mirror, never credentials). */
  sourceUrl: string
  /** sha256 of the (first) artifact. */
  sha256: string
  /** Bytes downloaded: the sum over {@link InstalledRecord.artifacts}. */
  size: number
  /**
   * Every artifact extracted into this install, in order (the first is `sourceUrl`/`sha256`). Absent
   * in records written before multi-artifact installs, and for distro-package installs.
   */
  artifacts?: InstalledArtifact[]
  plugin: { name: string; version: string }
  /** Absolute paths of bin links this install created. */
  links: string[]
  installedAt: string
}

/** One verified artifact of an install, as the state records it. */
export interface InstalledArtifact {
  /** Canonical upstream URL (never the mirror, never credentials). */
  url: string
  sha256: string
  size: number
}

export interface InstalledState {
  schemaVersion: 1
  installs: InstalledRecord[]
}

const EMPTY: InstalledState = { schemaVersion: 1, installs: [] }

function isRecord(x: unknown): x is InstalledRecord {
  const r = x as InstalledRecord
  return (
    typeof r === 'object' && r !== null &&
    typeof r.id === 'string' && typeof r.toolName === 'string' && typeof r.version === 'string' &&
    typeof r.arch === 'string' && typeof r.path === 'string' && typeof r.sha256 === 'string' &&
    Array.isArray(r.links) && typeof r.plugin?.name === 'string'
  )
}

/**
 * Reads the state manifest; a missing file is an empty state. A file that exists but cannot be
 * understood is an error (`STATE_CORRUPT`) and is never overwritten, so no state is lost.
 * (Checked by hand rather than with zod: this runs on the `list` and no-op hot paths.)
 */
export async function readState(file: string): Promise<InstalledState> {
  let text: string
  try {
    // Synchronous: on the `list` and no-op paths this is the only async file read, and the first
    // one starts libuv's thread pool, which costs more than reading this small file.
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY, installs: [] }
    throw fsError(err, { action: 'reading the installed-state manifest', path: file, kind: 'state dir' })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw corrupt(file, 'it is not valid JSON', err)
  }
  const state = parsed as InstalledState
  if (state?.schemaVersion !== 1 || !Array.isArray(state.installs)) throw corrupt(file, 'schemaVersion 1 with an installs array was expected')
  const bad = state.installs.findIndex((r) => !isRecord(r))
  if (bad !== -1) throw corrupt(file, `installs[${bad}] is missing fields`)
  return state
}

function corrupt(file: string, why: string, cause?: unknown): RunnerError {
  return new RunnerError('STATE_CORRUPT', `the installed-state manifest cannot be read: ${why}`, {
    where: file,
    hint: 'it was left untouched; restore it from a backup or move it aside (installed tools stay in place and re-installs will re-record them)',
    cause,
  })
}

/**
 * Applies `change` under the state lock and writes atomically: a temp file next to the manifest,
 * flushed to disk, then renamed over it, so a reader (or a crash) only ever sees the old or the new
 * manifest. On any failure (a full disk included) the temp file is removed and the lock released;
 * `ENOSPC` becomes `DISK_FULL` and a refused write `PERMISSION_DENIED`, both naming the path.
 * Temp files a killed writer left behind are removed under the lock (only a holder writes one).
 */
export async function updateState(file: string, change: (state: InstalledState) => InstalledState, lock: Pick<LockOptions, 'ttlMs' | 'graceMs' | 'timeoutMs'> = {}): Promise<InstalledState> {
  const dir = dirname(file)
  await mkdir(dir, { recursive: true }).catch((err: unknown) => Promise.reject(fsError(err, { action: 'creating the state dir', path: dir, kind: 'state dir' })))
  return withFileLock(`${file}.lock`, async () => {
    await removeStaleTemps(file)
    const next = change(await readState(file))
    // Stable order for readable diffs; semantic version order is not needed here (and would load semver).
    next.installs.sort((a, b) => compareText(a.id, b.id) || compareText(a.version, b.version) || compareText(a.arch, b.arch))
    const text = `${JSON.stringify(next, null, 2)}\n`
    // node:crypto only here (a write): loading it costs ~5 ms that `features list` must not pay.
    const tmp = `${file}.${process.pid}-${(await import('node:crypto')).randomBytes(3).toString('hex')}.tmp`
    try {
      const handle = await open(tmp, 'wx')
      try {
        await handle.writeFile(text)
        await handle.datasync()
      } finally {
        await handle.close()
      }
      await rename(tmp, file)
    } catch (err) {
      await rm(tmp, { force: true })
      throw fsError(err, { action: 'writing the installed-state manifest', path: file, kind: 'state dir', needed: Buffer.byteLength(text) })
    }
    await syncDir(dir)
    return next
  }, { timeoutMs: 60_000, what: 'the installed-state manifest', kind: 'state dir', ...lock })
}

/**
 * `state.json.<pid>-<rand>.tmp` files of writers killed between write and rename, and a takeover
 * guard (`state.json.lock.break`) of a process killed mid-takeover; both are stale while we hold the lock.
 */
async function removeStaleTemps(file: string): Promise<void> {
  const prefix = `${basename(file)}.`
  const names = await readdir(dirname(file)).catch(() => [] as string[])
  const stale = names.filter((n) => (n.startsWith(prefix) && n.endsWith('.tmp')) || n === `${basename(file)}.lock.break`)
  await Promise.all(stale.map((n) => rm(join(dirname(file), n), { force: true })))
}

/** Makes the rename itself durable; best effort (some file systems refuse fsync on a directory). */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined)
  if (!handle) return
  await handle.sync().catch(() => undefined)
  await handle.close()
}

/** Same id+version+arch replaces the old record. */
export function withRecord(state: InstalledState, record: InstalledRecord): InstalledState {
  return { ...state, installs: [...state.installs.filter((r) => !sameInstall(r, record)), record] }
}

export function sameInstall(a: Pick<InstalledRecord, 'id' | 'version' | 'arch'>, b: Pick<InstalledRecord, 'id' | 'version' | 'arch'>): boolean {
  return a.id === b.id && a.version === b.version && a.arch === b.arch
}

