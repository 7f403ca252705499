import { mkdir, mkdtemp, readlink, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { assertLinkable, linkBins } from './toolcache.js'

// Bin links in a real temp dir: what the pre-download check refuses is exactly what the link step
// would refuse after the download (same code, same message), so refusing early changes nothing
// but the cost.

let dir: string
let root: string
let binDir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'toolcache-links-'))
  root = join(dir, 'tc')
  binDir = join(dir, 'bin')
  await mkdir(binDir, { recursive: true })
})
afterEach(() => rm(dir, { recursive: true, force: true }))

/** A finished install of `tool@version` with an executable `hello`; returns its install dir. */
async function installed(tool: string, version: string): Promise<string> {
  const installDir = join(root, tool, version, 'x64')
  await mkdir(installDir, { recursive: true })
  await writeFile(join(installDir, 'hello'), '#!/bin/sh\n', { mode: 0o755 })
  return installDir
}

test('a link held by another tool: BIN_CONFLICT before the download, with the message the link step gives', async () => {
  await linkBins(await installed('hello', '2.0.0'), ['hello'], binDir, root)
  const hola = await installed('hola', '2.0.0')
  const early = await assertLinkable(['hello'], binDir, root, 'hola').catch((e: unknown) => e)
  const late = await linkBins(hola, ['hello'], binDir, root).catch((e: unknown) => e)
  expect(early).toMatchObject({ code: 'BIN_CONFLICT', where: join(binDir, 'hello') })
  expect((early as Error).message).toBe(`${join(binDir, 'hello')} is linked to hello's hello (${join(root, 'hello', '2.0.0', 'x64', 'hello')}); another feature exposes a hello too`)
  expect(late).toMatchObject({ code: 'BIN_CONFLICT', message: (early as Error).message, hint: (early as { hint: string }).hint })
  expect(await readlink(join(binDir, 'hello'))).toBe(join(root, 'hello', '2.0.0', 'x64', 'hello'))
})

test('another version of the same tool, a dangling link, or a free bin dir pass', async () => {
  await linkBins(await installed('hello', '1.0.0'), ['hello'], binDir, root)
  await expect(assertLinkable(['hello'], binDir, root, 'hello')).resolves.toBeUndefined()
  await rm(join(root, 'hello'), { recursive: true })
  await expect(assertLinkable(['hello'], binDir, root, 'hola')).resolves.toBeUndefined()
  await expect(assertLinkable(['hello'], join(dir, 'no-bin-dir-yet'), root, 'hola')).resolves.toBeUndefined()
})

test('a file runner-features did not create is BIN_CONFLICT, with or without the tool name', async () => {
  await writeFile(join(binDir, 'hello'), 'mine')
  for (const tool of [undefined, 'hello']) {
    await expect(assertLinkable(['bin/hello'], binDir, root, tool)).rejects.toMatchObject({
      code: 'BIN_CONFLICT', message: `${join(binDir, 'hello')} already exists and was not created by runner-features`,
    })
  }
  await rm(join(binDir, 'hello'))
  await symlink('/usr/bin/env', join(binDir, 'hello'))
  await expect(assertLinkable(['hello'], binDir, root, 'hello')).rejects.toMatchObject({ code: 'BIN_CONFLICT' })
})
