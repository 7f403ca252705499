import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import { describe, expect, test } from 'vitest'
import { packDirectory, unpackBundle } from './offline-bundle.js'

async function tarWith(entries: tar.Header[], file: string): Promise<void> {
  const pack = tar.pack()
  const done = pipeline(pack, createWriteStream(file))
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry(e)
    else pack.entry(e, 'x')
  }
  pack.finalize()
  await done
}

describe('packDirectory / unpackBundle', () => {
  test('round trip: every file comes back with its bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rf-bundle-test-'))
    await mkdir(join(dir, 'src', 'nodejs.org', 'dist'), { recursive: true })
    await writeFile(join(dir, 'src', 'nodejs.org', 'dist', 'index.json'), '[]')
    await writeFile(join(dir, 'src', 'manifest.json'), '{}')
    await packDirectory(join(dir, 'src'), join(dir, 'b.tar'))
    await unpackBundle(join(dir, 'b.tar'), join(dir, 'out'))
    expect(await readFile(join(dir, 'out', 'nodejs.org', 'dist', 'index.json'), 'utf8')).toBe('[]')
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['manifest.json', 'nodejs.org'])
  })

  test.each([
    ['a path leaving the bundle', [{ name: '../evil', size: 1 }], 'leaves the bundle'],
    ['an absolute path', [{ name: '/etc/evil', size: 1 }], 'leaves the bundle'],
    ['a symlink', [{ name: 'link', type: 'symlink' as const, linkname: '/etc/passwd' }], 'is a symlink, not a file'],
    ['a file listed twice', [{ name: 'a', size: 1 }, { name: 'a', size: 1 }], 'lists a file twice'],
  ])('%s is BUNDLE_INVALID and writes nothing outside', async (_label, entries, message) => {
    const dir = await mkdtemp(join(tmpdir(), 'rf-bundle-test-'))
    await tarWith(entries as tar.Header[], join(dir, 'b.tar'))
    await expect(unpackBundle(join(dir, 'b.tar'), join(dir, 'out', 'x'))).rejects.toMatchObject({ code: 'BUNDLE_INVALID', message: expect.stringContaining(message) })
    expect(await readdir(join(dir, 'out')).catch(() => [])).not.toContain('evil')
  })

  test('a file that is not a tar, or missing, is BUNDLE_INVALID naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rf-bundle-test-'))
    await writeFile(join(dir, 'junk.tar'), 'not a tar at all, not even close to 512 bytes')
    await expect(unpackBundle(join(dir, 'junk.tar'), join(dir, 'out'))).rejects.toMatchObject({ code: 'BUNDLE_INVALID', where: join(dir, 'junk.tar') })
    await expect(unpackBundle(join(dir, 'missing.tar'), join(dir, 'out'))).rejects.toMatchObject({ code: 'BUNDLE_INVALID', message: 'the bundle file does not exist' })
  })
})
