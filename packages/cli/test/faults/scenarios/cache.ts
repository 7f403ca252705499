import { appendFile, chmod, open, readdir, readFile, rm, writeFile } from 'node:fs/promises'
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

/** Every regular file under `dir`. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

/**
 * The extracted-tree store (`<cache>/store/v1/<key>/tree`) is linked into new installs: a file in it
 * changed after it was recorded (a job writing through a hard link, a half-finished copy) must drop
 * the entry, and the install must get the real bytes from the verified archive instead.
 */
cacheScenarios.push({
  name: 'cache: a file in the extracted-tree store was modified → entry dropped, the install gets the real bytes',
  run: async (t) => {
    const spec = `terraform@${TF}`
    await t.expectSuccess('first install', await t.install([spec]))
    await t.expectSuccess('uninstall', await t.box.run(['features', 'uninstall', spec]))
    const stored = (await filesUnder(join(t.box.cacheDir, 'store'))).filter((f) => f.includes('/tree/'))
    if (!stored.length) return t.problem(`no extracted-tree store files under ${join(t.box.cacheDir, 'store')} to modify (layout changed?)`)
    for (const file of stored) {
      await chmod(file, 0o755)
      await appendFile(file, '\necho tampered; exit 0\n')
    }
    await t.expectSuccess('install over a modified store entry', await t.install([spec]))
    const installed = await readFile(join(t.box.toolCache, 'terraform', TF, 'x64', 'terraform'), 'utf8').catch(() => '')
    if (installed.includes('tampered')) t.problem('the modified store file was linked into the install')
  },
})
