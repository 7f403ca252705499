import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildOnce, cacheRoot, findRepoRoot } from './cache.js'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fixture-mirror-cache-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('buildOnce', () => {
  it('builds into a temp path and renames it into place, once', async () => {
    let builds = 0
    const build = async (tmp: string) => {
      builds++
      await mkdir(tmp)
      await writeFile(join(tmp, 'index.json'), '[]')
    }
    const target = join(dir, 'mirror')
    expect(await buildOnce(target, build)).toBe(target)
    expect(await buildOnce(target, build)).toBe(target)
    expect(builds).toBe(1)
    expect(readdirSync(dir)).toEqual(['mirror'])
  })

  it('leaves nothing behind when the build fails', async () => {
    const target = join(dir, 'mirror')
    await expect(
      buildOnce(target, async (tmp) => {
        await mkdir(tmp)
        await writeFile(join(tmp, 'half'), 'x')
        throw new Error('killed half way')
      }),
    ).rejects.toThrow('killed half way')
    expect(readdirSync(dir)).toEqual([])
  })

  it('sweeps the leftovers of a killed build and never exposes them', async () => {
    await mkdir(join(dir, '.tmp-mirror-99999-dead'))
    const target = join(dir, 'mirror')
    await buildOnce(target, (tmp) => writeFile(tmp, 'done'))
    expect(readdirSync(dir)).toEqual(['mirror'])
    expect(readFileSync(target, 'utf8')).toBe('done')
  })

  it('concurrent callers wait for one build', async () => {
    let builds = 0
    const target = join(dir, 'mirror')
    const build = async (tmp: string) => {
      builds++
      await new Promise((r) => setTimeout(r, 50))
      await writeFile(tmp, 'x')
    }
    await Promise.all([buildOnce(target, build), buildOnce(target, build), buildOnce(target, build)])
    expect(builds).toBe(1)
    expect(existsSync(target)).toBe(true)
  })
})

describe('cacheRoot', () => {
  it('is <repo>/.cache/fixture-mirror unless FIXTURE_MIRROR_CACHE says otherwise', () => {
    expect(existsSync(join(findRepoRoot(), 'pnpm-workspace.yaml'))).toBe(true)
    expect(cacheRoot({})).toBe(join(findRepoRoot(), '.cache', 'fixture-mirror'))
    expect(cacheRoot({ FIXTURE_MIRROR_CACHE: dir })).toBe(dir)
  })
})
