import { lstat, mkdtemp, readlink, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { createInstallLinks } from './install-links.js'

let dir: string
afterEach(async () => rm(dir, { recursive: true, force: true }))

test('creates declared links, keeps what the archive already has', async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-links-'))
  await mkdir(join(dir, 'bin'))
  await writeFile(join(dir, 'bin', 'python'), 'shipped')
  await createInstallLinks(dir, [{ path: 'python', target: 'bin/python3.12' }, { path: 'bin/python', target: 'python3.12' }], 'python@3.12.7')
  expect(await readlink(join(dir, 'python'))).toBe('bin/python3.12')
  expect((await lstat(join(dir, 'bin', 'python'))).isSymbolicLink()).toBe(false)
})

test.each([
  [{ path: '../python', target: 'x' }],
  [{ path: 'python', target: '../../etc/passwd' }],
  [{ path: 'python', target: '/usr/bin/python3' }],
])('a link leaving the install dir is ARCHIVE_UNSAFE and nothing is created: %o', async (link) => {
  dir = await mkdtemp(join(tmpdir(), 'rf-links-'))
  await expect(createInstallLinks(join(dir, 'x64'), [link], 'python@3.12.7')).rejects.toMatchObject({ code: 'ARCHIVE_UNSAFE', where: 'python@3.12.7', hint: expect.stringContaining('relative') })
  await expect(lstat(join(dir, 'python'))).rejects.toThrow()
})
