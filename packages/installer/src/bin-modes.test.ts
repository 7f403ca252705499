import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { makeBinsExecutable } from './bin-modes.js'

let dir: string
let outside: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-binmodes-'))
  outside = await mkdtemp(join(tmpdir(), 'rf-binmodes-out-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
  await rm(outside, { recursive: true, force: true })
})

const modeOf = async (p: string) => (await stat(p)).mode & 0o777

test('adds execute where read is allowed, and only to declared bins', async () => {
  await mkdir(join(dir, 'bin'))
  for (const [name, mode] of [['pwsh', 0o644], ['bin/private', 0o600], ['bin/ok', 0o755], ['libpsl.so', 0o644]] as const) {
    await writeFile(join(dir, name), '#!/bin/sh\n')
    await chmod(join(dir, name), mode)
  }
  expect(await makeBinsExecutable(dir, ['pwsh', 'bin/private', 'bin/ok', 'missing'])).toEqual(['pwsh', 'bin/private'])
  expect(await modeOf(join(dir, 'pwsh'))).toBe(0o755)
  expect(await modeOf(join(dir, 'bin/private'))).toBe(0o700)
  expect(await modeOf(join(dir, 'bin/ok'))).toBe(0o755)
  expect(await modeOf(join(dir, 'libpsl.so'))).toBe(0o644)
})

test('never follows a symlink or a path out of the install dir', async () => {
  const victim = join(outside, 'victim')
  await writeFile(victim, 'not mine')
  await chmod(victim, 0o644)
  await symlink(victim, join(dir, 'link'))
  expect(await makeBinsExecutable(dir, ['link', `../${join(outside, 'victim')}`, victim])).toEqual([])
  expect(await modeOf(victim)).toBe(0o644)
})
