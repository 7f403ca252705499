import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { lockState, tryWithFileLock, withFileLock, type LeaseRecord } from './file-lock.js'

let dir: string
let lock: string
const children: ChildProcess[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-lock-'))
  lock = join(dir, 'x64.lock')
})
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
  await rm(dir, { recursive: true, force: true })
})

// Short leases so expiry happens within a test; the production default is 30 s.
const fast = { ttlMs: 400, heartbeatMs: 50, graceMs: 200 }

const foreign = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({
  pid: 4242, host: 'pod-on-another-node', token: 'a1b2c3d4e5f6a7b8', since: '2026-01-01T00:00:00.000Z', heartbeat: '2026-01-01T00:00:00.000Z', ...over,
})

/** Sets a file's mtime `ms` into the past: a lease nobody refreshed for that long. */
async function age(path: string, ms: number): Promise<void> {
  const t = new Date(Date.now() - ms)
  await utimes(path, t, t)
}

test('a lock left by a process on another host is taken over once its lease expires, not before', async () => {
  await writeFile(lock, JSON.stringify(foreign()))
  // Fresh: a live holder elsewhere. We wait, then fail naming it.
  const err = await withFileLock(lock, async () => 'ran', { ...fast, ttlMs: 60_000, timeoutMs: 100, what: 'tool@1.0.0' }).catch((e: unknown) => e)
  expect(err).toMatchObject({ code: 'INSTALL_LOCKED', where: lock, message: expect.stringContaining('process 4242 on pod-on-another-node'), hint: expect.stringContaining('taken over after 60 s') })
  expect((err as Error).message).toContain('since 2026-01-01T00:00:00.000Z')
  // Not refreshed for longer than the TTL: taken over, and our record replaces it.
  await age(lock, 5_000)
  let seen: LeaseRecord | undefined
  expect(await withFileLock(lock, async () => {
    seen = JSON.parse(await readFile(lock, 'utf8')) as LeaseRecord
    return 'ran'
  }, { ...fast, ttlMs: 1_000 })).toBe('ran')
  expect(seen).toMatchObject({ pid: process.pid, host: hostname() })
  expect(await readdir(dir)).toEqual([])
})

test('a holder that keeps heartbeating keeps its lease past the TTL', async () => {
  let held = false
  await withFileLock(lock, async () => {
    held = true
    // A waiter that would take over an unrefreshed lease several times over still finds it live.
    const waiter = await withFileLock(lock, async () => 'stolen', { ...fast, timeoutMs: fast.ttlMs * 4 }).catch((e: unknown) => e)
    expect(waiter).toMatchObject({ code: 'INSTALL_LOCKED', message: expect.stringContaining(`process ${process.pid}`) })
  }, fast)
  expect(held).toBe(true)
  expect(await lockState(lock)).toBe('free')
})

test.each([
  ['empty', ''],
  ['garbled', '{"pid": 12'],
  ['not a lease', '"hello"'],
])('an %s lock file is expired after the grace period, live before it', async (_kind, text) => {
  await writeFile(lock, text)
  expect(await lockState(lock, { graceMs: 60_000 })).toBe('live')
  await age(lock, 2_000)
  expect(await lockState(lock, { graceMs: 1_000 })).toBe('expired')
  expect(await withFileLock(lock, async () => 'ran', { ...fast, graceMs: 1_000 })).toBe('ran')
})

test('a lock of a dead process on this host is taken over at once, whatever the TTL', async () => {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((r) => child.on('exit', r))
  const ns = await import('node:fs').then((fs) => fs.readlinkSync('/proc/self/ns/pid'))
  await writeFile(lock, JSON.stringify(foreign({ pid: child.pid!, host: hostname(), ns })))
  expect(await lockState(lock, { ttlMs: 3_600_000 })).toBe('expired')
  expect(await withFileLock(lock, async () => 'ran', { ttlMs: 3_600_000, timeoutMs: 0 })).toBe('ran')
})

test('a lock written before leases ({pid, host, since}) is a holder until its TTL, not garbage after the grace', async () => {
  await writeFile(lock, JSON.stringify({ pid: 4242, host: 'pod-on-another-node', since: '2026-01-01T00:00:00.000Z' }))
  await age(lock, 5_000)
  expect(await lockState(lock, { graceMs: 1_000, ttlMs: 60_000 })).toBe('live')
  expect(await lockState(lock, { graceMs: 1_000, ttlMs: 2_000 })).toBe('expired')
  expect(await withFileLock(lock, async () => 'ran', { graceMs: 1_000, ttlMs: 2_000, timeoutMs: 0 })).toBe('ran')
})

test('a lease that was taken over is reported lost and its holder does not remove the new lock', async () => {
  const err = await withFileLock(lock, async (lease) => {
    await lease.assertHeld()
    // Another process judged us expired and took over.
    await writeFile(lock, JSON.stringify(foreign({ token: 'ffffeeeeddddcccc' })))
    return lease.assertHeld()
  }, fast).catch((e: unknown) => e)
  expect(err).toMatchObject({ code: 'INSTALL_LOCKED', message: expect.stringContaining('lost its lock') })
  expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({ token: 'ffffeeeeddddcccc' })
})

test('tryWithFileLock skips a live lease and runs on a free or expired one', async () => {
  await writeFile(lock, JSON.stringify(foreign()))
  expect(await tryWithFileLock(lock, async () => 1, { ttlMs: 60_000 })).toEqual({ ran: false })
  await age(lock, 5_000)
  expect(await tryWithFileLock(lock, async () => 1, { ttlMs: 1_000 })).toEqual({ ran: true, value: 1 })
})

test('many waiters racing for one expired lock: exactly one holds it at a time', async () => {
  await writeFile(lock, JSON.stringify(foreign()))
  await age(lock, 5_000)
  let active = 0
  let most = 0
  const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => withFileLock(lock, async () => {
    most = Math.max(most, ++active)
    await sleep(5)
    active--
    return i
  }, { ...fast, ttlMs: 1_000 })))
  expect(runs).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  expect(most).toBe(1)
  expect(await readdir(dir)).toEqual([])
})

// Child processes load file-lock.ts from source with Node's type stripping (.js imports → .ts).
const LOCK_MODULE = fileURLToPath(new URL('./file-lock.ts', import.meta.url))
const CHILD = `
import { registerHooks } from 'node:module'
import { appendFileSync } from 'node:fs'
registerHooks({ resolve(spec, ctx, next) {
  try { return next(spec, ctx) } catch (e) { if (spec.startsWith('.') && spec.endsWith('.js')) return next(spec.slice(0, -3) + '.ts', ctx); throw e }
} })
const { withFileLock } = await import(process.argv[2])
const [mode, lock, log, ttl] = process.argv.slice(3)
const options = { ttlMs: Number(ttl), heartbeatMs: 50, graceMs: 200 }
if (mode === 'hold') {
  await withFileLock(lock, async () => { process.stdout.write('held\\n'); await new Promise(() => setInterval(() => {}, 1000)) }, options)
} else {
  await withFileLock(lock, async () => {
    appendFileSync(log, 'enter\\n')
    await new Promise((r) => setTimeout(r, 30))
    appendFileSync(log, 'exit\\n')
  }, options)
}
`

async function child(args: string[]): Promise<ChildProcess> {
  const script = join(dir, 'child.mjs')
  await writeFile(script, CHILD)
  const c = spawn(process.execPath, [script, LOCK_MODULE, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(c)
  return c
}

test('kill -9 of a child holding the lease: the next process takes it over', async () => {
  const holder = await child(['hold', lock, '', '60000'])
  await new Promise<void>((resolve) => holder.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve()))
  expect(await lockState(lock, { ttlMs: 60_000 })).toBe('live')
  holder.kill('SIGKILL')
  await new Promise((r) => holder.on('exit', r))
  // Same host, pid gone: no need to wait for the 60 s TTL.
  expect(await withFileLock(lock, async () => 'ran', { ttlMs: 60_000, timeoutMs: 0 })).toBe('ran')
  expect((await readdir(dir)).filter((n) => n.includes('.lock'))).toEqual([])
})

test('processes racing for an expired lock from another host never overlap', async () => {
  await writeFile(lock, JSON.stringify(foreign()))
  await age(lock, 5_000)
  const log = join(dir, 'log')
  await writeFile(log, '')
  const racers = await Promise.all(Array.from({ length: 4 }, () => child(['race', lock, log, '1000'])))
  const codes = await Promise.all(racers.map((c) => new Promise((r) => c.on('exit', r))))
  expect(codes).toEqual([0, 0, 0, 0])
  expect(await readFile(log, 'utf8')).toBe('enter\nexit\n'.repeat(4))
  expect((await readdir(dir)).filter((n) => n.includes('.lock'))).toEqual([])
})
