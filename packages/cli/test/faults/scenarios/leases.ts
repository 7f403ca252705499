import { existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { waitFor } from '../box.js'
import type { Ctx, Scenario } from '../scenario.js'
import { TF, TF_ZIP } from './common.js'

const tf = `terraform@${TF}`
const lockOf = (t: Ctx) => join(t.box.toolCache, 'terraform', TF, 'x64.lock')

/** Starts pod A, whose download stalls while it holds the install lock; resolves once A is stalled and B may start. */
async function stalledHolder(t: Ctx) {
  t.server.inject(TF_ZIP, { kind: 'stall', afterBytes: 100 }, 1)
  const a = t.box.start(['features', 'install', tf], { timeoutMs: 150_000 })
  const stalled = await waitFor(() => (t.server.bytesSent.get(`/hashicorp/terraform/${TF}/${TF_ZIP}`) ?? 0) > 0 && existsSync(lockOf(t)), 60_000)
  if (!stalled) t.problem('pod A never reached its stalled download while holding the lock')
  return a
}

/** Pods sharing one tool-cache volume, where one of them stalls or dies while it holds the install lock. */
export const leaseScenarios: Scenario[] = [
  {
    name: 'lease: a live holder stalled past the lease TTL keeps its lock (heartbeat); the waiter does not take over, both succeed',
    run: async (t) => {
      const a = await stalledHolder(t)
      const b = t.box.start(['features', 'install', tf], { timeoutMs: 150_000 })
      const [ra, rb] = await Promise.all([a.done, b.done])
      await t.expectSuccess('pod A (stalled, then retried)', ra)
      await t.expectSuccess('pod B (waited)', rb)
      const downloads = t.server.count(TF_ZIP)
      if (downloads !== 2) t.problem(`the archive was requested ${downloads} times (want 2: A's stalled try and A's retry; more means B took a live lease)`)
    },
  },
  {
    name: 'lease: the holder is killed -9 while a neighbour waits → the neighbour takes over and succeeds',
    run: async (t) => {
      const a = await stalledHolder(t)
      const b = t.box.start(['features', 'install', tf], { timeoutMs: 120_000 })
      await new Promise((r) => setTimeout(r, 1_000))
      await a.kill9()
      const began = Date.now()
      await t.expectSuccess('pod B after A was killed', await b.done)
      if (Date.now() - began > 45_000) t.problem(`B needed ${Math.round((Date.now() - began) / 1000)} s to take over a dead holder's lock`)
    },
  },
  {
    name: 'lease: fresh lock of a pod on another host that vanished just now → taken over once the lease expires',
    run: async (t) => {
      await mkdir(join(t.box.toolCache, 'terraform', TF), { recursive: true })
      await writeFile(lockOf(t), JSON.stringify({ pid: 4_000_000, host: `gone-${hostname()}-pod`, since: new Date().toISOString(), token: 'f00d' }))
      const began = Date.now()
      await t.expectSuccess('install over a fresh foreign lock', await t.install([tf], { timeoutMs: 120_000 }))
      if (Date.now() - began > 75_000) t.problem(`the foreign lock held the install for ${Math.round((Date.now() - began) / 1000)} s`)
    },
  },
]
