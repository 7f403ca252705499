import { expect, test } from 'vitest'
import { runScheduled } from './schedule.js'

interface Result { id: string; ok: boolean; blockedBy?: string }

const hooks = (log: string[], failing: string[] = []) => ({
  run: async (n: { id: string }): Promise<Result> => {
    log.push(`start ${n.id}`)
    await new Promise((r) => setTimeout(r, 2))
    log.push(`end ${n.id}`)
    return { id: n.id, ok: !failing.includes(n.id) }
  },
  failed: (r: Result) => !r.ok,
  blocked: (n: { id: string }, dep: string): Result => ({ id: n.id, ok: false, blockedBy: dep }),
})

test('a node starts only after everything it comes after has ended; results keep node order', async () => {
  const log: string[] = []
  const nodes = [{ id: 'a', after: [] }, { id: 'b', after: [] }, { id: 'c', after: ['a', 'b'] }]
  const results = await runScheduled(nodes, 4, hooks(log))
  expect(results.map((r) => r.id)).toEqual(['a', 'b', 'c'])
  expect(log.indexOf('start c')).toBeGreaterThan(Math.max(log.indexOf('end a'), log.indexOf('end b')))
  expect(log.slice(0, 2)).toEqual(['start a', 'start b'])
})

test('a failure blocks dependants transitively; unrelated nodes still run', async () => {
  const log: string[] = []
  const nodes = [{ id: 'a', after: [] }, { id: 'b', after: ['a'] }, { id: 'c', after: ['b'] }, { id: 'd', after: [] }]
  const results = await runScheduled(nodes, 2, hooks(log, ['a']))
  expect(results).toEqual([{ id: 'a', ok: false }, { id: 'b', ok: false, blockedBy: 'a' }, { id: 'c', ok: false, blockedBy: 'b' }, { id: 'd', ok: true }])
  expect(log.filter((l) => l.startsWith('start'))).toEqual(['start a', 'start d'])
})

test('ids outside the run are ignored; nodes waiting on each other reject instead of hanging', async () => {
  expect(await runScheduled([{ id: 'a', after: ['not-in-this-run'] }], 1, hooks([]))).toEqual([{ id: 'a', ok: true }])
  await expect(runScheduled([{ id: 'a', after: ['b'] }, { id: 'b', after: ['a'] }], 2, hooks([]))).rejects.toThrow('wait on each other')
})
