import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { listCache, parseDuration, pruneCache } from './cache-care.js'

const DAY = 86_400_000
const NOW = Date.parse('2026-06-01T00:00:00Z')
const sha = (c: string) => c.repeat(64)

/** A cache with three downloads (100, 200, 300 bytes, written 40, 20 and 1 days ago), an index entry and an in-flight temp file. */
async function cache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-cache-care-'))
  const downloads = join(dir, 'downloads', 'sha256')
  await mkdir(downloads, { recursive: true })
  await mkdir(join(dir, 'index'))
  await mkdir(join(dir, 'downloads', 'tmp'))
  for (const [c, size, age] of [['a', 100, 40], ['b', 200, 20], ['c', 300, 1]] as const) {
    await writeFile(join(downloads, sha(c)), Buffer.alloc(size))
    await utimes(join(downloads, sha(c)), new Date(NOW - age * DAY), new Date(NOW - age * DAY))
  }
  await writeFile(join(dir, 'index', 'x.json'), '{}')
  await utimes(join(dir, 'index', 'x.json'), new Date(NOW - 5 * DAY), new Date(NOW - 5 * DAY))
  await writeFile(join(dir, 'downloads', 'tmp', 'partial'), Buffer.alloc(50))
  return dir
}

describe('cache ls / prune', () => {
  test('ls lists finished downloads and index entries, oldest first, never temp files', async () => {
    const dir = await cache()
    const listing = await listCache(dir)
    expect(listing.entries.map((e) => [e.kind, e.name.slice(0, 1), e.size])).toEqual([['download', 'a', 100], ['download', 'b', 200], ['index', 'x', 2], ['download', 'c', 300]])
    expect(listing.totalBytes).toBe(602)
  })

  test('--older-than removes only entries written before the cut-off', async () => {
    const dir = await cache()
    const r = await pruneCache(dir, { olderThanMs: 30 * DAY, now: NOW })
    expect(r.removed.map((e) => e.name)).toEqual([sha('a')])
    expect((await readdir(join(dir, 'downloads', 'sha256'))).sort()).toEqual([sha('b'), sha('c')])
    expect(await readdir(join(dir, 'downloads', 'tmp'))).toEqual(['partial'])
  })

  test('--max-size removes oldest first until the rest fits; --dry-run removes nothing', async () => {
    const dir = await cache()
    const dry = await pruneCache(dir, { maxBytes: 350, dryRun: true, now: NOW })
    expect(dry.removed.map((e) => e.name.slice(0, 1))).toEqual(['a', 'b'])
    expect(await readdir(join(dir, 'downloads', 'sha256'))).toHaveLength(3)
    const real = await pruneCache(dir, { maxBytes: 350, now: NOW })
    expect(real.freedBytes).toBe(300)
    expect(real.totalBytes).toBe(302)
    expect(await readdir(join(dir, 'downloads', 'sha256'))).toEqual([sha('c')])
  })

  test('prune without a criterion is INVALID_ARGUMENT; a missing cache lists empty', async () => {
    await expect(pruneCache('/nonexistent', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect((await listCache('/nonexistent/cache')).entries).toEqual([])
  })

  test.each([['30d', 30 * DAY], ['12h', 12 * 3_600_000], ['2w', 14 * DAY], ['90m', 90 * 60_000], ['30', undefined], ['d', undefined], ['-1d', undefined]])('parseDuration(%s) = %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })
})
