import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { readState, updateState, withRecord, type InstalledRecord } from './state.js'

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
