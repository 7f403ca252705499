import { lstat, mkdir, symlink } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { RunnerError, type InstallLink } from '@runner-features/core'

/** True when `path` stays inside `root` once resolved (no `..` escape, not absolute). */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)
}

/**
 * Creates a feature's declared symlinks in an install (staging) dir. Both ends must stay inside the
 * dir: a plugin declares layout, it never reaches outside the tool cache. Paths the archive already
 * has are left alone, so a newer upstream build that ships `bin/python` itself wins.
 */
export async function createInstallLinks(dir: string, links: readonly InstallLink[], where: string): Promise<void> {
  for (const link of links) {
    const path = resolve(dir, link.path)
    const target = resolve(dirname(path), link.target)
    if (isAbsolute(link.target) || !inside(dir, path) || !inside(dir, target)) {
      throw new RunnerError('ARCHIVE_UNSAFE', `the plugin declares a link ${link.path} → ${link.target} that leaves the install dir`, { where, hint: 'links must be relative and stay inside the install dir; report it to the plugin author' })
    }
    if (await lstat(path).catch(() => undefined)) continue
    await mkdir(dirname(path), { recursive: true })
    await symlink(link.target, path)
  }
}
