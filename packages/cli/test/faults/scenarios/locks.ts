import { hostname } from 'node:os'
import { mkdir, utimes, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Ctx, Scenario } from '../scenario.js'
import { TF } from './common.js'

const tf = `terraform@${TF}`
const HOUR_AGO = new Date(Date.now() - 3_600_000)

/** A lock file as a crashed or vanished owner leaves it; `old` backdates it by an hour (a pod that died earlier). */
async function plant(path: string, body: string | Buffer, old = true): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, body)
  if (old) await utimes(path, HOUR_AGO, HOUR_AGO)
}

/** The install must take the stale lock over (not wait for INSTALL_LOCKED), succeed, and leave no lock. */
async function takesOver(t: Ctx, lock: string, body: string | Buffer, old = true): Promise<void> {
  await plant(lock, body, old)
  const began = Date.now()
  const run = await t.install([tf], { timeoutMs: 90_000 })
  await t.expectSuccess('install over a stale lock', run)
  const took = Date.now() - began
  if (took > 45_000) t.problem(`the stale lock held the install for ${Math.round(took / 1000)} s`)
  await t.expectSuccess('re-run', await t.install([tf]))
}

const installLock = (t: Ctx) => join(t.box.toolCache, 'terraform', TF, 'x64.lock')
const stateLock = (t: Ctx) => join(t.box.stateDir, 'state.json.lock')

/** Locks left by owners that are gone: none may wedge the next install. */
export const lockScenarios: Scenario[] = [
  { name: 'lock: empty install lock (owner killed between create and write) → taken over', run: (t) => takesOver(t, installLock(t), '') },
  { name: 'lock: fresh empty install lock → taken over after a short grace', run: (t) => takesOver(t, installLock(t), '', false) },
  { name: 'lock: garbled install lock → taken over', run: (t) => takesOver(t, installLock(t), Buffer.from([0x00, 0xff, 0x7b, 0x22, 0x70, 0x69])) },
  {
    name: 'lock: install lock of a dead process on another host (shared volume) → taken over',
    run: (t) => takesOver(t, installLock(t), JSON.stringify({ pid: 4_000_000, host: `gone-${hostname()}-pod`, since: HOUR_AGO.toISOString() })),
  },
  {
    name: 'lock: install lock of a dead process on this host → taken over',
    run: (t) => takesOver(t, installLock(t), JSON.stringify({ pid: 4_000_000, host: hostname(), since: HOUR_AGO.toISOString() })),
  },
  { name: 'lock: empty state.json.lock (left by a full disk) → taken over', run: (t) => takesOver(t, stateLock(t), '') },
  { name: 'lock: garbled state.json.lock → taken over', run: (t) => takesOver(t, stateLock(t), '{"pid":') },
]
