import { chmod, lstat } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'

/**
 * Gives every declared bin that is a regular file inside `dir` the execute bit wherever it is
 * readable (0644 → 0755, 0600 → 0700). Some upstream archives ship their executable without it
 * (PowerShell's flat tarball: `pwsh` is 0644), and `bins` are executables by definition. Symlinks
 * are left alone (their target is another entry, possibly a declared bin itself); paths that leave
 * `dir` are never touched. Returns the bins whose mode changed.
 */
export async function makeBinsExecutable(dir: string, bins: readonly string[]): Promise<string[]> {
  const changed: string[] = []
  for (const bin of bins) {
    const path = resolve(dir, bin)
    const rel = relative(dir, path)
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue
    const info = await lstat(path).catch(() => undefined)
    if (!info?.isFile()) continue
    const mode = info.mode & 0o777
    const wanted = mode | ((mode & 0o444) >> 2)
    if (wanted !== mode) {
      await chmod(path, wanted)
      changed.push(bin)
    }
  }
  return changed
}
