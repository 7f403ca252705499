import { createHash, randomBytes } from 'node:crypto'
import { constants, chmodSync, copyFileSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, type BigIntStats } from 'node:fs'
import { join } from 'node:path'
import type { Artifact, InstallLink, Logger } from '@runner-features/core'
import type { FetchAllResult } from './fetch-all.js'

/**
 * A content-addressed store of extracted install trees (the pnpm/uv idea), so a second install of
 * an artifact this machine already extracted (another tool cache, an image build stage, a pod on
 * the same node sharing the cache dir) links files instead of downloading and inflating again.
 *
 * Layout: `<cacheDir>/store/v1/<key>/tree/…` plus `manifest.json`, where `key` hashes everything
 * the tree is a function of: each artifact's sha256, kind, strip and fileName (in extraction order),
 * the feature's bins (made executable) and declared links. Entries are only ever created whole:
 * built under `store/tmp/`, then renamed into place; a crashed build leaves only a tmp dir.
 *
 * Integrity: an entry is made from a staging tree whose every artifact passed its sha256 and whose
 * smoke test passed. Its files are then made read-only (a non-root writer cannot open them for
 * writing) and the manifest records each file's inode, size, mode and mtime (ns). Linking checks
 * every file against that record first: any write since (which moves the mtime), chmod, replace or
 * removal drops the whole entry and the install falls back to the download cache. Files are linked
 * by reflink where the filesystem has it (an independent copy-on-write file: the install can never
 * reach the store), else by hard link (the install shares the store's read-only inode), else copied
 * (another filesystem).
 */

/** What the tree in the store is a function of. */
export interface StoreInput {
  artifacts: readonly Artifact[]
  bins: readonly string[]
  links: readonly InstallLink[]
}

/** One file in the manifest: path, mode, size, inode, mtime in ns (as a decimal string). */
type FileRecord = [path: string, mode: number, size: number, ino: string, mtimeNs: string]

interface Manifest {
  version: 1
  dirs: string[]
  files: FileRecord[]
  symlinks: [path: string, target: string][]
  /** The artifacts' sha256 and byte sizes, for the install's state record. */
  artifacts: { sha256: string; size: number }[]
}

/** How a file reaches the install: decided on the first file, kept for the rest. */
type Method = 'reflink' | 'hardlink' | 'copy'

const entryDir = (cacheDir: string, key: string): string => join(cacheDir, 'store', 'v1', key)

/** The store key: sha256 over the inputs the tree is a function of. */
export function storeKey(input: StoreInput): string {
  const parts = {
    artifacts: input.artifacts.map((a) => [a.sha256.toLowerCase(), a.archive, a.strip, a.fileName ?? null]),
    bins: [...input.bins],
    links: input.links.map((l) => [l.path, l.target]),
  }
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex')
}

/**
 * Links the stored tree for `input` into `dest` (an empty staging dir) and returns what
 * fetchAllVerified would have: `undefined` when the store has no such entry, or the entry failed
 * its check (then it is removed, `dest` emptied and a warning logged). Never throws for the store's
 * sake: any failure means "not in the store".
 */
export function linkFromStore(cacheDir: string, input: StoreInput, dest: string, logger?: Pick<Logger, 'warn'>): FetchAllResult | undefined {
  const key = storeKey(input)
  const dir = entryDir(cacheDir, key)
  let manifest: Manifest
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
    if (manifest.version !== 1 || manifest.artifacts.length !== input.artifacts.length) throw new Error('manifest of another version')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') drop(dir, dest, logger, `unreadable manifest (${(err as Error).message})`)
    return undefined
  }
  const tree = join(dir, 'tree')
  try {
    // Parents come before their children (the walk that made the manifest is depth-first).
    for (const d of manifest.dirs) mkdirSync(join(dest, d))
    let method: Method | undefined
    for (const [path, mode, size, ino, mtimeNs] of manifest.files) {
      const from = join(tree, path)
      const st = lstatSync(from, { bigint: true })
      if (!unchanged(st, mode, size, ino, mtimeNs)) return drop(dir, dest, logger, `${path} changed since it was stored`)
      method = place(from, join(dest, path), method)
    }
    for (const [path, target] of manifest.symlinks) symlinkSync(target, join(dest, path))
    return {
      artifacts: input.artifacts.map((a, i) => ({ url: a.url, sha256: a.sha256.toLowerCase(), size: manifest.artifacts[i]!.size })),
      size: manifest.artifacts.reduce((n, a) => n + a.size, 0),
      fromCache: true,
      files: manifest.files.length + manifest.symlinks.length,
    }
  } catch (err) {
    return drop(dir, dest, logger, (err as Error).message)
  }
}

function unchanged(st: BigIntStats, mode: number, size: number, ino: string, mtimeNs: string): boolean {
  return st.isFile() && Number(st.mode & 0o7777n) === mode && Number(st.size) === size && String(st.ino) === ino && String(st.mtimeNs) === mtimeNs
}

/** Reflink, else hard link, else copy; `method` is what worked for the previous file. */
function place(from: string, to: string, method: Method | undefined): Method {
  if (method === undefined || method === 'reflink') {
    try {
      copyFileSync(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE)
      return 'reflink'
    } catch (err) {
      if (method === 'reflink') throw err
    }
  }
  if (method !== 'copy') {
    try {
      linkSync(from, to)
      return 'hardlink'
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (method === 'hardlink' || (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK')) throw err
    }
  }
  copyFileSync(from, to, constants.COPYFILE_EXCL)
  return 'copy'
}

/** Removes a damaged entry and whatever was linked from it; the caller installs the usual way. */
function drop(dir: string, dest: string, logger: Pick<Logger, 'warn'> | undefined, why: string): undefined {
  logger?.warn(`${dir}: the stored tree failed its check (${why}); removed it, extracting from the download cache instead`)
  removeEntry(dir)
  for (const name of readdirSafe(dest)) rmSync(join(dest, name), { recursive: true, force: true })
  return undefined
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** Moves an entry out of the way first (atomic: nobody links a half-removed tree), then deletes it. */
function removeEntry(dir: string): void {
  const trash = join(dir, '..', '..', 'tmp', `trash-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    mkdirSync(join(trash, '..'), { recursive: true })
    renameSync(dir, trash)
    rmSync(trash, { recursive: true, force: true })
  } catch {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Adds the finished staging tree (verified, smoke-tested) to the store, best effort: a store that
 * cannot be written (read-only cache, another filesystem without reflink, disk full) only costs the
 * next install its shortcut, so failures are swallowed. Files are linked (reflink or hard link) into
 * the entry and made read-only; a hard-linked install's files are therefore read-only too.
 */
export function addToStore(cacheDir: string, input: StoreInput, staging: string, fetched: FetchAllResult): void {
  const key = storeKey(input)
  const final = entryDir(cacheDir, key)
  const tmp = join(cacheDir, 'store', 'tmp', `${key}-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    if (lstatSync(final, { throwIfNoEntry: false })) return
    const manifest: Manifest = { version: 1, dirs: [], files: [], symlinks: [], artifacts: fetched.artifacts.map((a) => ({ sha256: a.sha256, size: a.size })) }
    const tree = join(tmp, 'tree')
    mkdirSync(tree, { recursive: true })
    let method: Method | undefined
    const walk = (rel: string): void => {
      for (const ent of readdirSync(join(staging, rel), { withFileTypes: true })) {
        const path = rel ? `${rel}/${ent.name}` : ent.name
        const from = join(staging, path)
        if (ent.isDirectory()) {
          mkdirSync(join(tree, path))
          manifest.dirs.push(path)
          walk(path)
        } else if (ent.isSymbolicLink()) {
          manifest.symlinks.push([path, readlinkSync(from)])
        } else if (ent.isFile()) {
          const to = join(tree, path)
          // Never a plain copy here: copying the whole tree would make every fresh install pay for it.
          method = method === 'hardlink' ? (linkSync(from, to), 'hardlink') : placeNoCopy(from, to, method)
          // One lstat: neither chmod nor link moves the mtime, and the inode and size stay.
          const st = lstatSync(to, { bigint: true })
          const mode = Number(st.mode & 0o7555n)
          if (mode !== Number(st.mode & 0o7777n)) chmodSync(to, mode)
          manifest.files.push([path, mode, Number(st.size), String(st.ino), String(st.mtimeNs)])
        }
        // Anything else (a socket, a fifo) the extractor never makes; not storable, so no entry.
        else throw new Error(`${path}: not a file, directory or symlink`)
      }
    }
    walk('')
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest), { mode: 0o444 })
    mkdirSync(join(final, '..'), { recursive: true })
    renameSync(tmp, final)
  } catch {
    // Lost a race to another installer (ENOTEMPTY/EEXIST), or the store is not writable: no entry.
    rmSync(tmp, { recursive: true, force: true })
  }
}

function placeNoCopy(from: string, to: string, method: Method | undefined): Method {
  if (method === undefined) {
    try {
      copyFileSync(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE)
      return 'reflink'
    } catch {
      linkSync(from, to)
      return 'hardlink'
    }
  }
  if (method === 'reflink') copyFileSync(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE)
  else linkSync(from, to)
  return method
}
