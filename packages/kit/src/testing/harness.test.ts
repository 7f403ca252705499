import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { mirrorHarness, missingCommands, withEnv } from './harness.js'

// The harness without a CLI run: what it serves, what each sandbox is pointed at, and what
// reset()/close() leave behind. (Plugin e2e tests run it against the built CLI.)
const harnesses: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()))
})

function layout(dir: string) {
  return async () => {
    await mkdir(join(dir, 'dl'), { recursive: true })
    await writeFile(join(dir, 'dl', 'tool.tgz'), 'the archive')
    return { root: dir, base: 'dl/', redirects: { '/latest/tool.tgz': '/dl/tool.tgz' }, extra: 'kept' }
  }
}

function harness(env?: Record<string, string>) {
  const e2e = mirrorHarness({
    feature: 'go-task',
    mirror: (work) => layout(work)(),
    overrides: () => ({ '/dl/': '{"listing":true}' }),
    env: (m, url) => ({ FROM_MIRROR: `${m.extra} ${url}`, ...env }),
    cli: '/no/cli/needed/to/make/a/sandbox',
  })
  harnesses.push(e2e)
  return e2e
}

const get = async (url: string) => {
  const res = await fetch(url, { redirect: 'manual' })
  return `${res.status} ${res.headers.get('location') ?? (await res.text())}`
}

test('serves the built mirror with its redirects and fixed answers, and points every sandbox at <server><base>', async () => {
  const e2e = harness()
  await e2e.start()
  expect(e2e.mirror.extra).toBe('kept')
  expect(e2e.url).toBe(`${e2e.server.url}dl/`)
  expect(await get(`${e2e.url}tool.tgz?x=1`)).toBe('200 the archive')
  expect(await get(`${e2e.server.url}latest/tool.tgz`)).toBe('302 /dl/tool.tgz')
  expect(await get(e2e.url)).toBe('200 {"listing":true}')
  expect(e2e.server.requests).toEqual(['GET /dl/tool.tgz 200', 'GET /latest/tool.tgz 302', 'GET /dl/ 200'])
  expect(e2e.box.env).toMatchObject({ RUNNER_FEATURES_MIRROR_GO_TASK: e2e.url, FROM_MIRROR: `kept ${e2e.server.url}` })
  const fresh = await e2e.sandbox({ EXTRA: '1' })
  expect(fresh.env).toMatchObject({ RUNNER_FEATURES_MIRROR_GO_TASK: e2e.url, EXTRA: '1' })
  expect(fresh.dir).not.toBe(e2e.box.dir)
})

test("reset() forgets requests, drops a test's overrides (not the fixed ones) and removes that test's sandboxes, keeping the shared one", async () => {
  const e2e = harness()
  await e2e.start()
  const fresh = await e2e.sandbox()
  e2e.server.override('/dl/tool.tgz', 'tampered')
  expect(await get(`${e2e.url}tool.tgz`)).toBe('200 tampered')
  await e2e.reset()
  expect(e2e.server.requests).toEqual([])
  expect(await get(`${e2e.url}tool.tgz`)).toBe('200 the archive')
  expect(await get(e2e.url)).toBe('200 {"listing":true}')
  expect(existsSync(fresh.dir)).toBe(false)
  expect(existsSync(e2e.box.dir)).toBe(true)
})

test('close() stops the server and removes the shared sandbox and the work dir; using it afterwards says to start it', async () => {
  const e2e = harness()
  await e2e.start()
  const { box, mirror, server } = e2e
  await e2e.close()
  expect(existsSync(box.dir)).toBe(false)
  expect(existsSync(mirror.root)).toBe(false)
  await expect(fetch(server.url)).rejects.toThrow()
  expect(() => e2e.box).toThrow('mirrorHarness: not started; call beforeAll(e2e.start)')
})

test('a skipped harness starts nothing and says why when used', async () => {
  const e2e = mirrorHarness({ feature: 'x', mirror: () => Promise.reject(new Error('must not build')), skip: 'needs apt-get' })
  expect(e2e.skipped).toBe(true)
  await e2e.start()
  expect(() => e2e.server).toThrow('skipped (needs apt-get)')
})

test('missingCommands names what is not on PATH', () => {
  expect(missingCommands('sh')).toBeUndefined()
  expect(missingCommands('sh', 'no-such-command-rf1', 'no-such-command-rf2')).toBe('needs no-such-command-rf1 and no-such-command-rf2')
})

test('withEnv sets variables for the call only, restoring set and unset ones', async () => {
  process.env.RF_KEPT = 'before'
  delete process.env.RF_NEW
  const seen = await withEnv({ RF_KEPT: 'during', RF_NEW: 'new' }, () => `${process.env.RF_KEPT} ${process.env.RF_NEW}`)
  expect(seen).toBe('during new')
  expect(process.env.RF_KEPT).toBe('before')
  expect('RF_NEW' in process.env).toBe(false)
  delete process.env.RF_KEPT
})

test('a mirror that fails to build fails start() with its error and leaves no temp dir', async () => {
  let work = ''
  const e2e = mirrorHarness({ mirror: async (dir) => { work = dir; throw new Error('apt-get download failed') }, cli: '/no/cli' })
  await expect(e2e.start()).rejects.toThrow('apt-get download failed')
  expect(work).not.toBe('')
  expect(existsSync(work)).toBe(false)
})

test('the mirror answers a malformed escape with 400 and keeps serving', async () => {
  const e2e = harness()
  await e2e.start()
  expect(await get(`${e2e.server.url}dl/%E0%A4%A`)).toBe('400 ')
  expect(await get(`${e2e.url}tool.tgz`)).toBe('200 the archive')
  expect(e2e.server.requests).toEqual(['GET /dl/%E0%A4%A 400', 'GET /dl/tool.tgz 200'])
})
