import { chmod, mkdtemp, readdir, readFile, writeFile, rm, utimes } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { readState, updateState, withRecord, type InstalledRecord } from './state.js'
import { NOBODY, asUnprivileged, fillUp, mountTmpfs, remount, tmpfsSkipReason } from './testing/fs-faults.js'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'rf-state-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

const rec = (version: string): InstalledRecord => ({
  id: 'nodejs', toolName: 'node', version, arch: 'x64', path: `/t/node/${version}/x64`, sourceUrl: 'https://nodejs.org/dist/x', sha256: 'a'.repeat(64),
  size: 1, plugin: { name: '@runner-features/nodejs', version: '0.1.0' }, links: [], installedAt: '2026-01-01T00:00:00Z',
})

test('missing state is empty; records are added, replaced and sorted', async () => {
  const file = join(dir, 'sub', 'state.json')
  expect((await readState(file)).installs).toEqual([])
  await updateState(file, (s) => withRecord(s, rec('20.20.2')))
  await updateState(file, (s) => withRecord(s, rec('18.20.8')))
  await updateState(file, (s) => withRecord(s, { ...rec('20.20.2'), size: 2 }))
  const state = await readState(file)
  expect(state.installs.map((r) => [r.version, r.size])).toEqual([['18.20.8', 1], ['20.20.2', 2]])
})

test('concurrent updates lose nothing', async () => {
  const file = join(dir, 'state.json')
  await Promise.all(Array.from({ length: 8 }, (_, i) => updateState(file, (s) => withRecord(s, rec(`1.0.${i}`)))))
  expect((await readState(file)).installs).toHaveLength(8)
})

test('a corrupt state file is reported and left untouched', async () => {
  const file = join(dir, 'state.json')
  await writeFile(file, '{"schemaVersion":1,"installs":[{"id":1}]}')
  await expect(readState(file)).rejects.toMatchObject({ code: 'STATE_CORRUPT', where: file })
  await expect(updateState(file, (s) => s)).rejects.toMatchObject({ code: 'STATE_CORRUPT' })
  expect(await readFile(file, 'utf8')).toBe('{"schemaVersion":1,"installs":[{"id":1}]}')
})

test('an empty state.json.lock (left by a full disk) does not block the next update', async () => {
  const file = join(dir, 'state.json')
  await writeFile(`${file}.lock`, '')
  const old = new Date(Date.now() - 10_000)
  await utimes(`${file}.lock`, old, old)
  await updateState(file, (s) => withRecord(s, rec('1.0.0')), { timeoutMs: 0 })
  expect((await readState(file)).installs).toHaveLength(1)
  expect(await readdir(dir)).toEqual(['state.json'])
})

test('a temp file left by a writer killed before its rename (and a takeover guard) is removed by the next update', async () => {
  const file = join(dir, 'state.json')
  await writeFile(`${file}.4242-abcdef.tmp`, '{"half":')
  await writeFile(`${file}.lock.break`, '')
  await updateState(file, (s) => withRecord(s, rec('1.0.0')))
  expect(await readdir(dir)).toEqual(['state.json'])
})

describe.skipIf(tmpfsSkipReason() !== undefined)('on a real full / read-only / forbidden state dir (root)', () => {
  let unmount: () => Promise<void>
  let mnt: string
  beforeEach(async () => {
    mnt = join(dir, 'mnt')
    unmount = await mountTmpfs(mnt, 64)
  })
  afterEach(async () => { await unmount() })

  test('a full disk: DISK_FULL naming the file and the size, old state intact, no temp or lock left; works once there is room', async () => {
    const file = join(mnt, 'state.json')
    await updateState(file, (s) => withRecord(s, rec('1.0.0')))
    const before = await readFile(file, 'utf8')
    // A record far bigger than the 64 KiB file system.
    const huge = { ...rec('2.0.0'), sourceUrl: `https://x.example/${'a'.repeat(200_000)}` }
    const err = await updateState(file, (s) => withRecord(s, huge)).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'DISK_FULL', where: file, message: expect.stringMatching(/writing the installed-state manifest \(19\d\.\d KiB needed\)/), hint: expect.stringContaining('RUNNER_FEATURES_STATE_DIR') })
    expect(await readFile(file, 'utf8')).toBe(before)
    expect(await readdir(mnt)).toEqual(['state.json'])
    await updateState(file, (s) => withRecord(s, rec('3.0.0')))
    expect((await readState(file)).installs.map((r) => r.version)).toEqual(['1.0.0', '3.0.0'])
  })

  test('a disk so full that even the lock cannot be written: DISK_FULL, and no empty lock stays behind', async () => {
    const file = join(mnt, 'state.json')
    const filler = await fillUp(mnt)
    await expect(updateState(file, (s) => withRecord(s, rec('1.0.0')))).rejects.toMatchObject({ code: 'DISK_FULL' })
    expect((await readdir(mnt)).filter((n) => !n.startsWith('.filler'))).toEqual([])
    await rm(filler)
    await updateState(file, (s) => withRecord(s, rec('1.0.0')))
  })

  test('a read-only state dir: PERMISSION_DENIED saying so', async () => {
    remount(mnt, 'ro')
    const file = join(mnt, 'state.json')
    await expect(updateState(file, (s) => withRecord(s, rec('1.0.0')))).rejects.toMatchObject({
      code: 'PERMISSION_DENIED', message: expect.stringContaining('read-only'), hint: expect.stringContaining('RUNNER_FEATURES_STATE_DIR'),
    })
  })

  test('a state dir the user may not write: PERMISSION_DENIED naming the user', async () => {
    await chmod(dir, 0o755)
    await chmod(mnt, 0o755)
    const file = join(mnt, 'state.json')
    const err = await asUnprivileged(() => updateState(file, (s) => withRecord(s, rec('1.0.0'))).catch((e: unknown) => e))
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining(`uid ${NOBODY}`) })
    expect(await readdir(mnt)).toEqual([])
  })
})
