import { readFileSync, statSync, type BigIntStats } from 'node:fs'
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'

/**
 * The bundled-plugin index: `runner features list` (and every other command's discovery) would
 * otherwise open and parse the package.json of every plugin the CLI registers, on every run. The
 * CLI's build writes this one file instead (`packages/cli/scripts/write-plugin-index.mjs`); discovery
 * reads it and a `stat` of each plugin's package.json, which is far cheaper than reading them.
 *
 * Stale data is never shown: an entry is used only while the package.json it was made from still
 * has the size, modification time and mode recorded, and any entry that does not match, or a
 * missing or unreadable index, sends just those plugins down the ordinary path (read the
 * package.json), silently. The stamp is meant to survive copying the built CLI as the runner images
 * do (`pnpm deploy`, then a Docker `COPY`): so no inode or ctime (a copy changes them), and the
 * mtime in whole seconds (image layers may keep no finer time). Whole seconds are still sound
 * because a file is indexed only when its mtime is in an earlier second than the index itself (see
 * {@link writeBundledIndex}): any later write gets a later second. What it cannot catch is a
 * same-size package.json put in place with a forged mtime in the very second recorded (`touch -d`,
 * `cp -p` of such a file) — a deliberate act, not an upgrade or an edit — or by a tool that gives
 * every file the same mtime (npm's tarballs all say 1985-10-26): so the index is written from the
 * workspace by the build, never from an installed tree. An `npm i -g` of the CLI re-times its
 * files, so there no entry matches and the ordinary path runs (correct, a fraction of a ms slower).
 * Path, relative to the CLI's package.json: {@link BUNDLED_INDEX}.
 */
export const BUNDLED_INDEX = join('dist', 'bundled-plugins.json')

/** The package.json fields discovery reads from a plugin (its `dist` and code are never needed to list it). */
export interface IndexedPackageJson {
  name?: string
  version?: string
  runner?: { feature?: unknown }
}

interface BundledIndexEntry {
  /** Package name as registered in the CLI's `oclif.plugins`; the file is `<cli>/node_modules/<name>/package.json`. */
  name: string
  stamp: string
  pkg: IndexedPackageJson
}

interface BundledIndexFile {
  schemaVersion: 1
  plugins: BundledIndexEntry[]
}

const SECOND = 1_000_000_000n
const stampOf = (s: BigIntStats): string => `${s.size}:${s.mtimeNs / SECOND}:${s.mode}`

/** The plugin's package.json path the index covers: the first place Node's lookup tries from the CLI dir. */
const packageJsonOf = (cliDir: string, name: string): string => join(resolve(cliDir), 'node_modules', name, 'package.json')

/** The index's entries by package name; empty when there is no usable index (never an error). */
export function readBundledIndex(cliDir: string): Map<string, BundledIndexEntry> {
  try {
    const file = JSON.parse(readFileSync(join(cliDir, BUNDLED_INDEX), 'utf8')) as BundledIndexFile
    if (file?.schemaVersion !== 1 || !Array.isArray(file.plugins)) return new Map()
    return new Map(file.plugins.filter((e) => typeof e?.name === 'string' && typeof e.stamp === 'string' && typeof e.pkg === 'object' && e.pkg !== null).map((e) => [e.name, e]))
  } catch {
    return new Map()
  }
}

/**
 * The indexed package.json of plugin `name`, when the index has it and the file on disk still has
 * the recorded stamp; undefined sends the caller to read the file itself. A synchronous `stat`: one
 * per plugin, no thread-pool round trips (the point of the index).
 */
export function indexedPlugin(cliDir: string, name: string, index: ReadonlyMap<string, BundledIndexEntry>): { dir: string; pkg: IndexedPackageJson } | undefined {
  const entry = index.get(name)
  if (!entry) return undefined
  const file = packageJsonOf(cliDir, name)
  let now: BigIntStats | undefined
  try {
    now = statSync(file, { bigint: true, throwIfNoEntry: false })
  } catch {
    return undefined
  }
  return now && stampOf(now) === entry.stamp ? { dir: dirname(file), pkg: entry.pkg } : undefined
}

/**
 * Writes the index for the CLI whose package.json is `cliPackageJson`: every registered plugin found
 * at `<cli>/node_modules/<name>` with a readable package.json. Returns the names indexed and those
 * left to the ordinary path (not there, unreadable, or modified too recently to be told apart).
 *
 * A file whose mtime is not in an earlier second than the index itself is left out (git's "racy
 * clean" problem): the stamp keeps whole seconds, so a same-size edit in the second it records would
 * look unchanged. The index file's own mtime, taken before the plugins are stamped, is that boundary.
 */
export async function writeBundledIndex(cliPackageJson: string): Promise<{ indexed: string[]; skipped: string[] }> {
  const cliDir = dirname(cliPackageJson)
  const target = join(cliDir, BUNDLED_INDEX)
  const tmp = `${target}.${process.pid}.tmp`
  const cli = JSON.parse(await readFile(cliPackageJson, 'utf8')) as { oclif?: { plugins?: unknown } }
  const names = Array.isArray(cli.oclif?.plugins) ? cli.oclif.plugins.filter((n): n is string => typeof n === 'string') : []
  await writeFile(tmp, '')
  try {
    const boundary = (await stat(tmp, { bigint: true })).mtimeNs / SECOND
    const plugins: BundledIndexEntry[] = []
    const skipped: string[] = []
    for (const name of names) {
      const entry = await entryFor(cliDir, name, boundary)
      if (entry) plugins.push(entry)
      else skipped.push(name)
    }
    const file: BundledIndexFile = { schemaVersion: 1, plugins }
    await writeFile(tmp, `${JSON.stringify(file)}\n`)
    await rename(tmp, target)
    return { indexed: plugins.map((p) => p.name), skipped }
  } finally {
    await rm(tmp, { force: true })
  }
}

async function entryFor(cliDir: string, name: string, boundary: bigint): Promise<BundledIndexEntry | undefined> {
  const file = packageJsonOf(cliDir, name)
  try {
    const before = await stat(file, { bigint: true })
    const pkg = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
    const after = await stat(file, { bigint: true })
    // Changed while being read, or too recent to stamp: leave it to the ordinary path.
    if (before.mtimeNs !== after.mtimeNs || before.size !== after.size || after.mtimeNs / SECOND >= boundary) return undefined
    if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) return undefined
    const picked: IndexedPackageJson = {}
    if (pkg.name !== undefined) picked.name = pkg.name as string
    if (pkg.version !== undefined) picked.version = pkg.version as string
    if (pkg.runner !== undefined) picked.runner = pkg.runner as IndexedPackageJson['runner']
    return { name, stamp: stampOf(after), pkg: picked }
  } catch {
    return undefined
  }
}
