import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir, open, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fsError, isDiskFull, isPermissionError, type WritableDirKind } from '@runner-features/core'

/** The directories one install run writes to. */
export interface PreflightSettings {
  toolCacheRoot: string
  binDir: string
  cacheDir: string
  stateFile: string
  /** `false` (`--no-link`): the bin dir is not touched, so not checked. */
  link?: boolean
}

/** Dirs already proven writable by this process (per effective uid): a run with many features checks each once. */
const proven = new Map<string, Promise<void>>()

/**
 * Checks, before anything is downloaded, that every dir the install writes to exists (or can be
 * created) and is writable: `access(W_OK)` and then a real create + remove of a probe file, since
 * root passes `access()` on a read-only mount. A refusal is `PERMISSION_DENIED` naming the dir, the
 * user and the setting that moves it; a read-only file system says so; no room for even an empty
 * file is `DISK_FULL`. Cached per process and dir, so calling it once per feature costs nothing
 * after the first. The engine calls it once per run before resolving; `installFeature` calls it too.
 */
export async function preflight(settings: PreflightSettings): Promise<void> {
  const dirs: [string, WritableDirKind][] = [
    [settings.toolCacheRoot, 'tool cache'],
    [dirname(settings.stateFile), 'state dir'],
    [settings.cacheDir, 'download cache'],
  ]
  if (settings.link !== false) dirs.push([settings.binDir, 'bin dir'])
  await Promise.all(dirs.map(([dir, kind]) => checkOnce(dir, kind)))
}

/** Only the state dir: what a distro-package install writes besides the package manager's own files. */
export async function preflightStateDir(stateFile: string): Promise<void> {
  await checkOnce(dirname(stateFile), 'state dir')
}

function checkOnce(dir: string, kind: WritableDirKind): Promise<void> {
  const key = `${process.geteuid?.() ?? ''}:${dir}`
  let check = proven.get(key)
  if (!check) {
    check = checkWritable(dir, kind)
    proven.set(key, check)
    // A failure is not remembered: the next call (after the user fixed it) checks again.
    check.catch(() => proven.delete(key))
  }
  return check
}

async function checkWritable(dir: string, kind: WritableDirKind): Promise<void> {
  const refused = (err: unknown, action: string) => (isPermissionError(err) || isDiskFull(err) ? fsError(err, { action, path: dir, kind }) : err)
  try {
    await mkdir(dir, { recursive: true })
  } catch (err) {
    throw refused(err, `creating the ${kind}`)
  }
  try {
    await access(dir, constants.W_OK | constants.X_OK)
  } catch (err) {
    throw refused(err, `checking that the ${kind} is writable`)
  }
  const probe = join(dir, `.runner-features-probe-${process.pid}-${randomBytes(3).toString('hex')}`)
  try {
    await (await open(probe, 'wx')).close()
  } catch (err) {
    throw refused(err, `writing a test file into the ${kind}`)
  } finally {
    await rm(probe, { force: true })
  }
}
