// Test helpers (not exported from the package): real file-system faults for unit tests.
// Root bypasses permission bits, so "permission denied" is tested by dropping the effective uid of
// the test worker (vitest runs each file in its own forked process) and "disk full" / "read-only"
// on a small tmpfs mounted for the test. Both need root; as another user, permission tests still
// work (chmod bits apply) and the tmpfs ones are skipped with the reason.
import { execFileSync } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const NOBODY = 65534
export const isRoot = process.geteuid?.() === 0

/** Why tmpfs-based tests cannot run here, or undefined when they can. */
export function tmpfsSkipReason(): string | undefined {
  if (!isRoot) return 'needs root to mount a tmpfs'
  try {
    execFileSync('mount', ['--version'], { stdio: 'ignore' })
  } catch {
    return 'mount(8) is missing'
  }
  return undefined
}

/**
 * Runs `fn` with the effective uid/gid of `nobody` when we are root (restored afterwards, also on
 * failure); as a non-root user, runs it as is. Dirs `fn` must reach need mode bits for "others".
 */
export async function asUnprivileged<T>(fn: () => Promise<T>): Promise<T> {
  if (!isRoot) return fn()
  process.setegid!(NOBODY)
  process.seteuid!(NOBODY)
  try {
    return await fn()
  } finally {
    process.seteuid!(0)
    process.setegid!(0)
  }
}

/** Mounts a tmpfs of `sizeKiB` on `dir` (created) with extra mount options; returns the unmount. */
export async function mountTmpfs(dir: string, sizeKiB: number, options: string[] = []): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', [`size=${sizeKiB}k`, 'mode=0777', ...options].join(','), 'tmpfs', dir])
  return async () => {
    execFileSync('umount', ['-l', dir])
    await rm(dir, { recursive: true, force: true })
  }
}

/** Remounts a mounted tmpfs read-only or read-write. */
export function remount(dir: string, mode: 'ro' | 'rw'): void {
  execFileSync('mount', ['-o', `remount,${mode}`, dir])
}

/** Fills the file system holding `dir` until writes fail with ENOSPC; returns the filler's path. */
export async function fillUp(dir: string): Promise<string> {
  const filler = join(dir, '.filler')
  const chunk = Buffer.alloc(4096, 1)
  const { open } = await import('node:fs/promises')
  const handle = await open(filler, 'w')
  try {
    for (;;) await handle.write(chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    await handle.close()
  }
  // Fill the last partial block too.
  await writeFile(join(dir, '.filler-tail'), Buffer.alloc(1)).catch(() => undefined)
  return filler
}
