import { open, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Ctx, Scenario } from '../scenario.js'
import { nodeTarball, TF, TF_ZIP } from './common.js'

/** Installs, uninstalls, damages the cached download with `damage`, installs again: it must heal (re-download) and succeed. */
async function healsCachedDownload(t: Ctx, spec: string, archive: string, damage: (file: string) => Promise<void>): Promise<void> {
  await t.expectSuccess('first install', await t.install([spec]))
  await t.expectSuccess('uninstall', await t.box.run(['features', 'uninstall', spec]))
  const dir = join(t.box.cacheDir, 'downloads', 'sha256')
  const cached = (await readdir(dir).catch(() => [] as string[])).map((n) => join(dir, n))
  if (!cached.length) return t.problem(`no cached download under ${dir} to corrupt (cache layout changed?)`)
  for (const file of cached) await damage(file)
  // Without an extracted-tree store entry to link from (none on this node, or dropped), the
  // install has to read the damaged archive.
  await rm(join(t.box.cacheDir, 'store'), { recursive: true, force: true })
  const before = t.server.count(archive)
  await t.expectSuccess('install over a corrupt download-cache entry (must re-fetch, no --refresh)', await t.install([spec]))
  if (t.server.count(archive) === before) t.problem('the corrupt cache entry was not re-fetched')
}

/** Flips bytes in the middle of a file (bit rot, a half-written copy from another pod). */
async function flipMiddle(file: string): Promise<void> {
  const handle = await open(file, 'r+')
  try {
    const { size } = await handle.stat()
    const at = Math.floor(size / 2)
    const buf = Buffer.alloc(Math.min(4096, size - at))
    await handle.read(buf, 0, buf.length, at)
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! ^ 0x5a
    await handle.write(buf, 0, buf.length, at)
  } finally {
    await handle.close()
  }
}

/** Cache entries that no longer hold what they claim must heal on the next run. */
export const cacheScenarios: Scenario[] = [
  {
    name: 'cache: cached terraform zip with wrong bytes → re-fetched, install succeeds',
    run: (t) => healsCachedDownload(t, `terraform@${TF}`, TF_ZIP, (f) => writeFile(f, 'not the zip you are looking for\n')),
  },
  {
    name: 'cache: cached Node tarball with flipped bytes → re-fetched, install succeeds',
    run: (t) => healsCachedDownload(t, `nodejs@${t.world.nodeVersion}`, nodeTarball(t.world), flipMiddle),
  },
  {
    name: 'cache: garbage index-cache json → ignored and replaced, install succeeds',
    run: async (t) => {
      await t.expectSuccess('first install', await t.install([`terraform@${TF}`]))
      const dir = join(t.box.cacheDir, 'index')
      const entries = await readdir(dir).catch(() => [] as string[])
      if (!entries.length) return t.problem(`no index cache under ${dir} to corrupt (cache layout changed?)`)
      for (const name of entries) await writeFile(join(dir, name), Buffer.from([0x7b, 0x00, 0xff, 0x22]))
      await t.expectSuccess('install with a garbage index cache', await t.install(['terraform@1.5.7']))
    },
  },
]
