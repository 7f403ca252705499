import { lstat, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { shasums, terraformEntry, tgz, zip, type TarEntry, type ZipEntry } from '../archives.js'
import type { Ctx, Scenario } from '../scenario.js'
import { overlaySigned, SIGNATURE_SUFFIXES } from '../signing.js'
import { faultThenHeal, nodeSums, nodeTarball, TF, TF_SUMS, TF_ZIP } from './common.js'

const tf = `terraform@${TF}`

/** Serves `archive` as terraform 1.5.0 for linux_amd64, with a checksum file that vouches for it (a compromised mirror). */
async function serveTerraform(t: Ctx, entries: ZipEntry[]): Promise<void> {
  const archive = await zip(entries)
  t.server.overlay(TF_ZIP, archive)
  await overlaySigned(t.server, TF_SUMS, shasums({ [TF_ZIP]: archive }), SIGNATURE_SUFFIXES.terraform)
}

/** Serves `entries` as the Node release tarball, with a checksum file that vouches for it. */
async function serveNode(t: Ctx, entries: TarEntry[]): Promise<void> {
  const archive = await tgz(entries)
  t.server.overlay(nodeTarball(t.world), archive)
  await overlaySigned(t.server, nodeSums(t.world), shasums({ [nodeTarball(t.world)]: archive }), SIGNATURE_SUFFIXES.nodejs)
}

/** A dir next to the install dirs that hostile entries aim at; it must stay empty. */
async function outside(t: Ctx): Promise<string> {
  const dir = join(t.box.dir, 'outside')
  await mkdir(dir, { recursive: true })
  return dir
}

async function mustStayEmpty(t: Ctx, dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[])
  if (names.length) t.problem(`a hostile entry was written outside the install dir: ${dir}/${names.join(', ')}`)
  if (await lstat(join(t.box.dir, 'evil')).catch(() => undefined)) t.problem('zip-slip wrote <box>/evil')
}

/**
 * Archives a compromised (or broken) mirror could serve with matching checksums: entries escaping
 * the install dir must be refused (ARCHIVE_UNSAFE), archives that expand beyond the configured
 * limits refused (ARCHIVE_TOO_LARGE) while extracting, and nothing left behind.
 */
export const archiveScenarios: Scenario[] = [
  {
    name: 'archive: zip-slip entry (../../../../evil) → ARCHIVE_UNSAFE',
    run: async (t) => {
      // toolcache/terraform/1.5.0/.staging-x/ is four levels below the box.
      await serveTerraform(t, [terraformEntry(TF), { name: '../../../../evil', data: 'pwned\n' }])
      await faultThenHeal(t, { spec: tf, codes: ['ARCHIVE_UNSAFE'], after: async () => mustStayEmpty(t, await outside(t)) })
    },
  },
  {
    name: 'archive: zip symlink escaping the install dir, then a file through it → ARCHIVE_UNSAFE',
    run: async (t) => {
      const target = await outside(t)
      await serveTerraform(t, [terraformEntry(TF), { name: 'share', data: target, mode: 0o120777 }, { name: 'share/evil', data: 'pwned\n' }])
      await faultThenHeal(t, { spec: tf, codes: ['ARCHIVE_UNSAFE'], after: async () => mustStayEmpty(t, target) })
    },
  },
  {
    name: 'archive: tar.gz symlink escaping the install dir, then a file through it → ARCHIVE_UNSAFE',
    run: async (t) => {
      const target = await outside(t)
      const top = `node-v${t.world.nodeVersion}-linux-x64`
      await serveNode(t, [
        { name: `${top}/`, type: 'directory' },
        { name: `${top}/lib`, type: 'symlink', linkname: target },
        { name: `${top}/lib/evil`, data: 'pwned\n' },
      ])
      await faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, codes: ['ARCHIVE_UNSAFE'], after: async () => mustStayEmpty(t, target) })
    },
  },
  {
    name: 'archive: zip expanding to 64 MiB with an 8 MiB limit → ARCHIVE_TOO_LARGE',
    env: () => ({ RUNNER_FEATURES_MAX_EXPANDED_BYTES: String(8 << 20) }),
    run: async (t) => {
      await serveTerraform(t, [terraformEntry(TF), { name: 'padding.bin', data: Buffer.alloc(64 << 20) }])
      await faultThenHeal(t, { spec: tf, codes: ['ARCHIVE_TOO_LARGE'] })
    },
  },
  {
    name: 'archive: zip with 3000 entries and a 1000-entry limit → ARCHIVE_TOO_LARGE',
    env: () => ({ RUNNER_FEATURES_MAX_ARCHIVE_ENTRIES: '1000' }),
    run: async (t) => {
      const many = Array.from({ length: 3000 }, (_, i): ZipEntry => ({ name: `share/f${i}`, data: 'x' }))
      await serveTerraform(t, [terraformEntry(TF), ...many])
      await faultThenHeal(t, { spec: tf, codes: ['ARCHIVE_TOO_LARGE'] })
    },
  },
  {
    name: 'archive: tar.gz hardlink to a file outside the install dir → ARCHIVE_UNSAFE',
    run: async (t) => {
      const top = `node-v${t.world.nodeVersion}-linux-x64`
      await serveNode(t, [{ name: `${top}/`, type: 'directory' }, { name: `${top}/passwd`, type: 'link', linkname: '/etc/passwd' }])
      await faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, codes: ['ARCHIVE_UNSAFE'] })
    },
  },
  {
    name: 'archive: tar.gz with 6000 entries and a 4000-entry limit (the real Node release has ~2900) → ARCHIVE_TOO_LARGE',
    env: () => ({ RUNNER_FEATURES_MAX_ARCHIVE_ENTRIES: '4000' }),
    run: async (t) => {
      const top = `node-v${t.world.nodeVersion}-linux-x64`
      await serveNode(t, [{ name: `${top}/`, type: 'directory' }, ...Array.from({ length: 6000 }, (_, i): TarEntry => ({ name: `${top}/share/f${i}`, data: 'x' }))])
      await faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, codes: ['ARCHIVE_TOO_LARGE'] })
    },
  },
]
