import { writeFile, writeFileSync } from 'node:fs'
import { link, lstat, mkdir, open, symlink, unlink, type FileHandle } from 'node:fs/promises'
import { resolve } from 'node:path'
import { DEFAULT_ARCHIVE_LIMITS, LIMIT_ENV, RATIO_FLOOR, RunnerError, formatBytes, type ArchiveLimits } from '@runner-features/core'
import { stripPath, unsafeNameReason, unsafeSymlinkReason } from './entry-path.js'
import type { ExtractOptions, ExtractStats } from './types.js'

/** Files up to this size are collected in memory and written with one `writeFile`; larger ones are streamed. */
export const SMALL_FILE = 1 << 20

/**
 * Small-file writes in flight at once, once the writer has switched to async writes (see
 * SYNC_LIMIT_MS): parsing goes on while earlier files are written, and the filesystem's cost is
 * spread over libuv's threads. Bounded so memory stays under MAX_IN_FLIGHT × SMALL_FILE; 2 to 16
 * measured within noise of each other on the Node tarball, one at a time was slowest.
 */
const MAX_IN_FLIGHT = 8

/**
 * Small files are first written synchronously: on a fast local filesystem a file costs ~20-40 µs
 * of syscalls, less than the three thread-pool round trips of an async write, and the thread pool
 * stays free for zlib. Measured on the Node tarball into tmpfs: ~0.8 s sync against ~1.1 s async.
 * But where creating a file is slow (this dev VM's ext4 takes ~1 ms per `open(O_CREAT)`; network
 * filesystems), sync writes serialise that cost on the event loop, and spreading it over the pool
 * wins (~2.8 s against ~4.1 s). So after SYNC_PROBE files, if the mean exceeds SYNC_LIMIT_MS, the
 * writer switches to async writes for the rest of the archive.
 */
const SYNC_PROBE = 32
const SYNC_LIMIT_MS = 0.5

/** Large files are written in batches of about this size, one batch in flight while the next is read. */
const BATCH = 1 << 20

const CONFLICT_CODES = new Set(['EEXIST', 'ENOTDIR', 'EISDIR'])

/**
 * Writes archive entries into `dest`, shared by the tar and zip readers. It owns the safety rules
 * that need state: it remembers every symlink it created and refuses any later entry that would
 * be written through one (`evil -> ..` then `evil/x`), or a hardlink to one. Because `dest`
 * starts empty, the only symlinks under it are ones it created and checked, so plain writes
 * cannot leave it. Directories are created once each (remembered in a set, no `stat` per file).
 */
export class ExtractWriter {
  readonly stats: ExtractStats = { files: 0, bytes: 0 }
  private readonly root: string
  /** Directories known to exist, relative to `root` (`''` is `root`). */
  private readonly dirs = new Set<string>([''])
  /** Symlinks created so far, relative to `root`. */
  private readonly links = new Set<string>()
  /** Small-file writes in flight by path; they never reject (failures land in `failure`). */
  private readonly pending = new Map<string, Promise<void>>()
  private failure: { error: unknown } | undefined
  /** See SYNC_LIMIT_MS: small files are written synchronously until that proves slow. */
  private syncWrites = true
  private syncTime = 0
  private syncCount = 0
  private readonly opts: ExtractOptions
  private readonly now: () => number
  private readonly limits: ArchiveLimits
  /** Entries seen (every type, skipped ones too) and file bytes they declare: checked before anything is written. */
  private entries = 0
  private declared = 0
  /** Compressed bytes the reader has consumed so far, for the expansion ratio; the reader keeps it current. */
  compressed = 0

  /** `now` (milliseconds) times the synchronous writes; see SYNC_LIMIT_MS. */
  constructor(opts: ExtractOptions, now: () => number = () => performance.now()) {
    this.opts = opts
    this.now = now
    this.root = resolve(opts.dest)
    this.limits = opts.limits ?? DEFAULT_ARCHIVE_LIMITS
  }

  /**
   * Counts one archive entry and the file content it declares (0 for dirs and links) against the
   * limits, before any of it is written. Declared sizes are exact for tar and enforced for zip
   * (an entry that holds more than it declares is refused), so the size limit holds for real bytes.
   */
  entry(name: string, size: number): void {
    this.rethrow()
    if (++this.entries > this.limits.maxEntries) {
      throw this.tooLarge(name, `holds more than ${this.limits.maxEntries} entries`, LIMIT_ENV.maxEntries, 'maxEntries', `${this.limits.maxEntries * 2}`)
    }
    this.declared += size
    if (this.declared > this.limits.maxExpandedBytes) {
      throw this.tooLarge(name, `expands to more than ${formatBytes(this.limits.maxExpandedBytes)}`, LIMIT_ENV.maxExpandedBytes, 'maxExpandedSize', formatLimit(this.limits.maxExpandedBytes * 2))
    }
  }

  /** An archive with more entries than the limit is refused before its first entry (zip knows its count up front). */
  entryCount(count: number, name: string): void {
    if (count > this.limits.maxEntries) throw this.tooLarge(name, `holds ${count} entries, more than the limit of ${this.limits.maxEntries}`, LIMIT_ENV.maxEntries, 'maxEntries', `${count}`)
  }

  /** Counts `n` bytes about to be written; past RATIO_FLOOR, refuses more than maxExpansionRatio per compressed byte. */
  private account(name: string, n: number): void {
    const bytes = this.stats.bytes + n
    if (bytes > RATIO_FLOOR && bytes > this.limits.maxExpansionRatio * Math.max(this.compressed, 1)) {
      throw this.tooLarge(name, `expands to more than ${this.limits.maxExpansionRatio} times its compressed size (${formatBytes(bytes)} from ${formatBytes(this.compressed)}): a compression bomb`, LIMIT_ENV.maxExpansionRatio, 'maxExpansionRatio', `${this.limits.maxExpansionRatio * 10}`)
    }
  }

  tooLarge(name: string, reason: string, env: string, key: string, example: string): RunnerError {
    return new RunnerError('ARCHIVE_TOO_LARGE', `refusing to extract: the archive ${reason}`, {
      where: `${this.opts.source}: ${name}`,
      hint: `nothing from it is installed. If you trust this archive, raise the limit: ${env}=${example} or limits.${key} in the team config`,
      details: { limits: this.limits, entries: this.entries, bytes: this.stats.bytes },
    })
  }

  /** Checks an entry name and maps it into `dest`: `null` when `strip` skips it. Throws `ARCHIVE_UNSAFE`. */
  path(name: string): string | null {
    const reason = unsafeNameReason(name)
    if (reason) throw this.unsafe(name, reason)
    return stripPath(name, this.opts.strip)
  }

  unsafe(name: string, reason: string): RunnerError {
    return new RunnerError('ARCHIVE_UNSAFE', `refusing to extract: ${reason}`, {
      where: `${this.opts.source}: ${name}`,
      hint: 'the archive tries to write outside its directory, through a link or a device node; nothing from it is installed. Report it to the upstream project',
    })
  }

  unsupported(name: string, reason: string, cause?: unknown): RunnerError {
    return new RunnerError('ARCHIVE_UNSUPPORTED', reason, {
      where: `${this.opts.source}: ${name}`,
      hint: 'the archive has an entry runner-features cannot extract faithfully; report it to the plugin author',
      cause,
    })
  }

  async directory(rel: string, name: string, mode: number | undefined): Promise<void> {
    this.rethrow()
    this.refuseThroughLink(rel, name, true)
    await this.mkdirs(rel, name, mode)
  }

  /** Writes a file whose content is all in `data`: at once while sync writes are cheap, else started here and awaited by {@link settle}. */
  async file(rel: string, name: string, mode: number | undefined, data: Buffer): Promise<void> {
    this.rethrow()
    this.refuseThroughLink(rel, name, true)
    await this.mkdirs(parentOf(rel), name)
    await this.waitFor(rel)
    this.account(name, data.length)
    this.stats.files += 1
    this.stats.bytes += data.length
    if (this.syncWrites) {
      const start = this.now()
      try {
        writeFileSync(this.abs(rel), data, { mode: fileMode(mode) })
      } catch (error) {
        throw this.conflict(name, error)
      }
      this.syncTime += this.now() - start
      if (++this.syncCount >= SYNC_PROBE && this.syncTime / this.syncCount > SYNC_LIMIT_MS) this.syncWrites = false
      return
    }
    while (this.pending.size >= MAX_IN_FLIGHT) await Promise.race(this.pending.values())
    this.rethrow()
    const done: Promise<void> = writeFileCb(this.abs(rel), data, fileMode(mode)).then(
      () => {
        this.pending.delete(rel)
      },
      (error: unknown) => {
        this.pending.delete(rel)
        this.failure ??= { error: this.conflict(name, error) }
      },
    )
    this.pending.set(rel, done)
  }

  /** Streams a large file to disk, one batch written while the next is read. Resolves when it is written. */
  async fileStream(rel: string, name: string, mode: number | undefined, chunks: AsyncIterable<Buffer>): Promise<void> {
    this.rethrow()
    this.refuseThroughLink(rel, name, true)
    await this.mkdirs(parentOf(rel), name)
    await this.waitFor(rel)
    let handle: FileHandle
    try {
      handle = await open(this.abs(rel), 'w', fileMode(mode))
    } catch (error) {
      throw this.conflict(name, error)
    }
    let writing: Promise<void> = Promise.resolve()
    try {
      let batch: Buffer[] = []
      let size = 0
      for await (const chunk of chunks) {
        this.account(name, size + chunk.length)
        batch.push(chunk)
        size += chunk.length
        if (size < BATCH) continue
        await writing
        writing = writeAll(handle, batch, size)
        writing.catch(() => undefined) // awaited on the next batch; keep it from counting as unhandled meanwhile
        this.stats.bytes += size
        batch = []
        size = 0
      }
      await writing
      if (size > 0) await writeAll(handle, batch, size)
      this.stats.bytes += size
      this.stats.files += 1
    } finally {
      await writing.catch(() => undefined)
      await handle.close()
    }
  }

  async symlink(rel: string, name: string, target: string): Promise<void> {
    this.rethrow()
    const reason = unsafeSymlinkReason(rel, target)
    if (reason) throw this.unsafe(name, reason)
    this.refuseThroughLink(rel, name, false)
    await this.mkdirs(parentOf(rel), name)
    await this.waitFor(rel)
    await this.replacing(rel, name, () => symlink(target, this.abs(rel)))
    this.links.add(rel)
    this.stats.files += 1
  }

  /** A tar hardlink: `linkName` is another entry's name in the archive (stripped like any name). */
  async hardlink(rel: string, name: string, linkName: string): Promise<void> {
    this.rethrow()
    const reason = unsafeNameReason(linkName)
    if (reason) throw this.unsafe(name, `hardlink target ${linkName}: ${reason}`)
    const target = stripPath(linkName, this.opts.strip)
    if (target === null) throw this.unsafe(name, `the hardlink target ${linkName} lies outside the extracted tree`)
    const via = this.linkOnPath(target, true)
    if (via !== undefined) throw this.unsafe(name, `the hardlink target ${linkName} is or lies under the symlink ${via}`)
    this.refuseThroughLink(rel, name, true)
    await this.mkdirs(parentOf(rel), name)
    await this.waitFor(target)
    await this.waitFor(rel)
    try {
      await this.replacing(rel, name, () => link(this.abs(target), this.abs(rel)))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw this.unsupported(name, `the hardlink target ${linkName} is not extracted before the link`, error)
      throw error
    }
    this.stats.files += 1
  }

  /** Stops the writer: every later operation throws `error` instead of touching the disk. */
  abort(error: unknown): void {
    this.failure ??= { error }
  }

  /** Waits for every write in flight; throws the first failure. Never leaves a write running behind it. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending.values())
    this.rethrow()
  }

  private abs(rel: string): string {
    // `rel` is already normalised (no '', '.', '..' segments): plain concatenation is a valid join.
    return rel === '' ? this.root : `${this.root}/${rel}`
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error
  }

  private async waitFor(rel: string): Promise<void> {
    const busy = this.pending.get(rel)
    if (busy) await busy
    this.rethrow()
  }

  /** The symlink created earlier that `rel` (or, with `self`, `rel` itself) lies under, if any. */
  private linkOnPath(rel: string, self: boolean): string | undefined {
    if (this.links.size === 0) return undefined
    for (let i = rel.indexOf('/'); i !== -1; i = rel.indexOf('/', i + 1)) {
      const prefix = rel.slice(0, i)
      if (this.links.has(prefix)) return prefix
    }
    return self && this.links.has(rel) ? rel : undefined
  }

  private refuseThroughLink(rel: string, name: string, self: boolean): void {
    const via = this.linkOnPath(rel, self)
    if (via !== undefined) throw this.unsafe(name, `the entry would be written through the symlink ${via} created earlier in the archive`)
  }

  private async mkdirs(rel: string, name: string, mode?: number): Promise<void> {
    if (this.dirs.has(rel)) return
    try {
      await mkdir(this.abs(rel), { recursive: true, mode: mode === undefined ? undefined : (mode & 0o777) | 0o700 })
    } catch (error) {
      throw this.conflict(name, error)
    }
    for (let dir = rel; dir !== '' && !this.dirs.has(dir); dir = parentOf(dir)) this.dirs.add(dir)
  }

  /** Runs `create`; if the path exists as a file or symlink (a duplicate entry), replaces it. */
  private async replacing(rel: string, name: string, create: () => Promise<void>): Promise<void> {
    try {
      await create()
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.conflict(name, error)
    }
    const existing = await lstat(this.abs(rel))
    if (existing.isDirectory()) throw this.unsupported(name, 'the entry would replace a directory extracted earlier')
    await unlink(this.abs(rel))
    this.links.delete(rel)
    try {
      await create()
    } catch (error) {
      throw this.conflict(name, error)
    }
  }

  /** Turns "that path is taken by an entry of another type" into `ARCHIVE_UNSUPPORTED`; other I/O errors pass through. */
  private conflict(name: string, error: unknown): unknown {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== undefined && CONFLICT_CODES.has(code)) return this.unsupported(name, `the entry conflicts with an earlier entry of another type (${code})`, error)
    return error
  }
}

/** `ARCHIVE_UNSUPPORTED` for a file that cannot be read as `kind` (bad magic, truncated, bad CRC). */
export function unreadable(kind: string, source: string, cause: unknown): RunnerError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new RunnerError('ARCHIVE_UNSUPPORTED', `cannot be read as ${kind}: ${reason}`, {
    where: source,
    hint: `the file is truncated or damaged, or it is not a ${kind}; delete the cached download and retry, or check the archive kind the plugin declares`,
    cause,
  })
}

/** `17179869184` → `16G`, for hints (whole GiB/MiB when exact). */
function formatLimit(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}G`
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}M`
  return String(bytes)
}

/** Permission bits only: setuid, setgid and sticky are dropped, exec bits kept. */
function fileMode(mode: number | undefined): number {
  return (mode ?? 0o644) & 0o777
}

/** `fs.writeFile` (callback form): lighter than the FileHandle-based promise version for thousands of small files. */
function writeFileCb(path: string, data: Buffer, mode: number): Promise<void> {
  return new Promise((resolve, reject) => writeFile(path, data, { mode }, (error) => (error ? reject(error) : resolve())))
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/')
  return i === -1 ? '' : rel.slice(0, i)
}

async function writeAll(handle: FileHandle, buffers: Buffer[], size: number): Promise<void> {
  const { bytesWritten } = await handle.writev(buffers)
  if (bytesWritten === size) return
  // A short write (disk nearly full, or a signal): finish it from where it stopped.
  const rest = Buffer.concat(buffers, size)
  for (let done = bytesWritten; done < size; ) done += (await handle.write(rest, done, size - done)).bytesWritten
}
