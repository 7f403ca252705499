import { execFile } from 'node:child_process'
import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Ctx, Scenario } from '../scenario.js'
import { TF } from './common.js'

const sh = promisify(execFile)

/** Mounts a tmpfs of `size` at `dir` for `fn`, then unmounts it (the box is removed afterwards). */
async function withTmpfs(dir: string, size: string, fn: (resize: (size: string) => Promise<void>) => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true })
  await sh('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir])
  try {
    await fn(async (next) => void (await sh('mount', ['-o', `remount,size=${next}`, dir])))
  } finally {
    await sh('umount', ['-l', dir]).catch(() => undefined)
  }
}

/** Fills the filesystem holding `dir` to the last byte with one file (what a neighbour's logs do). */
async function fill(dir: string): Promise<string> {
  const file = join(dir, 'filler')
  const handle = await open(file, 'w')
  try {
    const chunk = Buffer.alloc(4096, 1)
    for (;;) await handle.write(chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    await handle.close()
  }
  return file
}

/** A Node install (~45 MB download, ~180 MB unpacked) onto a 24 MiB volume: DISK_FULL, nothing left; the re-run after growing it succeeds. */
function nodeOnSmallVolume(which: 'toolCache' | 'cacheDir'): Scenario {
  return {
    name: `disk full: ${which === 'toolCache' ? 'tool cache' : 'download cache'} on a 24 MiB tmpfs, Node install → DISK_FULL, nothing left`,
    root: true,
    run: (t: Ctx) =>
      withTmpfs(t.box[which], '24m', async (resize) => {
        const spec = `nodejs@${t.world.nodeVersion}`
        await t.expectError('install onto a full disk', await t.install([spec]), ['DISK_FULL'])
        await resize('400m')
        await t.expectSuccess('re-run with room on the volume', await t.install([spec]))
        await t.checkLeftovers('before unmounting')
      }),
  }
}

export const diskScenarios: Scenario[] = [
  nodeOnSmallVolume('toolCache'),
  nodeOnSmallVolume('cacheDir'),
  {
    name: 'disk full: state dir on a full tmpfs → DISK_FULL, no marker without a record, no state temp or lock',
    root: true,
    env: () => ({}),
    run: async (t) => {
      const stateDir = join(t.box.dir, 'state')
      t.box.env.RUNNER_FEATURES_STATE_DIR = stateDir
      t.box.stateDir = stateDir
      await withTmpfs(stateDir, '64k', async () => {
        const filler = await fill(stateDir)
        await t.expectError('install with a full state volume', await t.install([`terraform@${TF}`]), ['DISK_FULL'])
        await rm(filler)
        await t.expectSuccess('re-run with room on the volume', await t.install([`terraform@${TF}`]))
        await t.checkLeftovers('before unmounting')
      })
    },
  },
]
