import { appendFile, lstat, mkdir, readlink, rm, symlink, rename } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { RunnerError, fsError } from '@runner-features/core'

/**
 * `@actions/tool-cache` layout: `<root>/<tool>/<full semver>/<arch>/` plus the empty sibling marker
 * `<arch>.complete`. `find()` only returns a version whose marker exists, and only scans directory
 * names that are valid semver — so we always write the full version (`1.22.0`, never `1.22`).
 */
export interface ToolCacheEntry {
  /** `<root>/<tool>/<version>` */
  versionDir: string
  /** `<root>/<tool>/<version>/<arch>` */
  installDir: string
  /** `<root>/<tool>/<version>/<arch>.complete` */
  marker: string
  /** Per-install lock file next to the marker. */
  lock: string
}

/**
 * The version directory's name. A version with build metadata (Temurin's `17.0.15+6`) is written
 * as actions/setup-java writes it, `+` → `-` (`17.0.15-6`): setup-java reads it back that way, and
 * Kotlin and some Maven plugins break on a `+` in `JAVA_HOME`. No other setup-* action's versions
 * carry build metadata.
 */
export function toolCacheVersionDir(version: string): string {
  return version.replace('+', '-')
}

export function toolCacheEntry(root: string, tool: string, version: string, arch: string): ToolCacheEntry {
  const versionDir = join(root, tool, toolCacheVersionDir(version))
  return { versionDir, installDir: join(versionDir, arch), marker: join(versionDir, `${arch}.complete`), lock: join(versionDir, `${arch}.lock`) }
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false)
}

/** Complete = the marker and the directory both exist (what `tc.find` checks). */
export async function isComplete(entry: ToolCacheEntry): Promise<boolean> {
  return (await exists(entry.marker)) && (await exists(entry.installDir))
}

/** The links {@link linkBins} will create: one per declared bin that exists in the install. */
export async function plannedLinks(installDir: string, bins: readonly string[], binDir: string): Promise<string[]> {
  const links: string[] = []
  for (const rel of bins) if (await exists(join(installDir, rel))) links.push(join(binDir, basename(rel)))
  return links
}

/**
 * Links `bins` (relative to installDir) into binDir. An existing link that points into the tool
 * cache is replaced (switching versions); anything else there is somebody else's file and is
 * refused with `BIN_CONFLICT` rather than clobbered. Links are swapped atomically (temp + rename).
 * A bin dir that refuses writes or is full fails with `PERMISSION_DENIED` / `DISK_FULL`.
 */
export async function linkBins(installDir: string, bins: readonly string[], binDir: string, toolCacheRoot: string): Promise<string[]> {
  await mkdir(binDir, { recursive: true }).catch((err: unknown) => Promise.reject(fsError(err, { action: 'creating the bin dir', path: binDir, kind: 'bin dir' })))
  const linked: string[] = []
  for (const rel of bins) {
    const target = join(installDir, rel)
    if (!(await exists(target))) continue
    const link = join(binDir, basename(rel))
    const current = await ownedLinkTarget(link, toolCacheRoot)
    if (current !== null && current !== target) await assertSameTool(link, current, toolDirOf(target, toolCacheRoot), toolCacheRoot)
    if (current !== target) {
      const tmp = `${link}.runner-features-${process.pid}`
      try {
        await rm(tmp, { force: true })
        await symlink(target, tmp)
        await rename(tmp, link)
      } catch (err) {
        await rm(tmp, { force: true }).catch(() => undefined)
        throw fsError(err, { action: `linking ${basename(rel)} into the bin dir`, path: link, kind: 'bin dir' })
      }
    }
    linked.push(link)
  }
  return linked
}

/** The current target of a link we own, null when free; `BIN_CONFLICT` when someone else's file is there. */
async function ownedLinkTarget(link: string, toolCacheRoot: string): Promise<string | null> {
  const current = await readlink(link).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : err.code === 'EINVAL' ? 'not-a-link' : Promise.reject(err)))
  if (current === 'not-a-link' || (current !== null && !resolve(dirname(link), current).startsWith(resolve(toolCacheRoot) + '/'))) {
    throw new RunnerError('BIN_CONFLICT', `${link} already exists and was not created by runner-features`, {
      where: link,
      hint: 'choose another directory with --bin-dir (or RUNNER_FEATURES_BIN_DIR), or remove that file',
    })
  }
  return current
}

/** The tool a path in the tool cache belongs to: its first directory under the root (`<root>/<tool>/<version>/…`). */
function toolDirOf(path: string, toolCacheRoot: string): string {
  return relative(resolve(toolCacheRoot), path).split(sep)[0]!
}

/**
 * A link owned by another tool's install (`hello` of one plugin, and another plugin exposing a
 * `hello` too) is not taken over silently: BIN_CONFLICT. Versions of the same tool (`tool`, the
 * first directory under the tool cache) switch freely, and a link whose target is gone may be reused.
 */
async function assertSameTool(link: string, current: string, tool: string, toolCacheRoot: string): Promise<void> {
  const theirs = toolDirOf(resolve(dirname(link), current), toolCacheRoot)
  if (theirs === tool || !(await exists(resolve(dirname(link), current)))) return
  throw new RunnerError('BIN_CONFLICT', `${link} is linked to ${theirs}'s ${basename(link)} (${resolve(dirname(link), current)}); another feature exposes a ${basename(link)} too`, {
    where: link,
    hint: `uninstall the ${theirs} version linked there first (\`runner features current\` shows it), or install this one with --no-link or another --bin-dir`,
  })
}

/**
 * Checks before any download that every bin could be linked, so a conflict costs nothing: a file
 * there that runner-features did not create, and, given the installing tool's name (its tool-cache
 * dir, `feature.toolName`), a link held by another tool ({@link linkBins} would refuse both after
 * the download and roll the install back). Same code and message as {@link linkBins}.
 */
export async function assertLinkable(bins: readonly string[], binDir: string, toolCacheRoot: string, toolName?: string): Promise<void> {
  for (const rel of bins) {
    const link = join(binDir, basename(rel))
    const current = await ownedLinkTarget(link, toolCacheRoot)
    if (current !== null && toolName !== undefined) await assertSameTool(link, current, toolName, toolCacheRoot)
  }
}

/** Removes the links that point into `installDir`; leaves everything else alone. */
export async function unlinkBins(links: readonly string[], installDir: string): Promise<void> {
  for (const link of links) {
    const current = await readlink(link).catch(() => null)
    if (current && resolve(dirname(link), current).startsWith(installDir + '/')) await rm(link, { force: true })
  }
}

/** Appends to the files named by `GITHUB_PATH` / `GITHUB_ENV` when the runner set them. */
export async function exportToJob(env: Record<string, string | undefined>, pathDirs: readonly string[], vars: Record<string, string>): Promise<void> {
  if (env.GITHUB_PATH && pathDirs.length) await appendFile(env.GITHUB_PATH, pathDirs.map((d) => `${d}\n`).join(''))
  const entries = Object.entries(vars)
  if (env.GITHUB_ENV && entries.length) {
    await appendFile(env.GITHUB_ENV, entries.map(([k, v]) => (v.includes('\n') ? `${k}<<RUNNER_FEATURES_EOF\n${v}\nRUNNER_FEATURES_EOF\n` : `${k}=${v}\n`)).join(''))
  }
}
