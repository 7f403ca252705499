import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { parse } from 'yaml'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from '../../../packages/cli/test/helpers.js'
import { CHROME_SEMVER as V, CHROME_VERSION, mirror as buildChromeMirror, mirrorRules, type ChromeMirror } from '../fixtures/mirror.ts'

// The chrome feature end to end: the built `runner` against one 127.0.0.1 server holding both
// Chrome for Testing hosts (the JSON endpoints and the zips, sent there by RUNNER_FEATURES_MIRRORS).
// Upstream publishes no digests: `features lock` pins them, an install without a lock fails closed.
// The binaries are stand-ins (fixtures/README.md says why).

let mirror: ChromeMirror
let server: MirrorServer
const boxes: Sandbox[] = []
const UP = `https://storage.googleapis.com/chrome-for-testing-public/${CHROME_VERSION}/linux64/`
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex')
const gets = () => server.requests.filter((r) => r.method === 'GET').map((r) => r.path).sort()

beforeAll(async () => {
  mirror = await buildChromeMirror()
  server = await startMirrorServer(mirror.root)
})
afterAll(async () => {
  await server?.close()
})
afterEach(async () => {
  server.resetRequests()
  server.clearOverrides()
  await Promise.all(boxes.splice(0).map((b) => b.cleanup()))
})

async function repo(): Promise<{ b: Sandbox; lock: string; run: (args: string[]) => ReturnType<Sandbox['runner']> }> {
  const b = await sandbox({ RUNNER_FEATURES_MIRRORS: mirrorRules(server.url) })
  boxes.push(b)
  const dir = join(b.dir, 'repo')
  await mkdir(join(dir, '.github'), { recursive: true })
  await writeFile(join(dir, '.github', 'runner-config.yml'), 'features:\n  - chrome\n')
  return { b, lock: join(dir, '.github', 'runner-features.lock'), run: (args) => b.runner(args, { cwd: dir }) }
}

describe('chrome (Chrome for Testing): digests pinned in the lock on first use', () => {
  test('a command-line install with no lock fails closed: CHECKSUM_MISSING with the lock hint, no zip requested, nothing installed', async () => {
    const b = await sandbox({ RUNNER_FEATURES_MIRRORS: mirrorRules(server.url) })
    boxes.push(b)
    const res = await b.runner(['features', 'install', 'chrome', '--json'])
    expect(res.exitCode, res.all).toBe(1)
    const failed = JSON.parse(res.stdout).results[0]
    expect(failed).toMatchObject({ id: 'chrome', status: 'failed', error: { code: 'CHECKSUM_MISSING' } })
    expect(JSON.stringify(failed.error)).toContain('runner features lock')
    expect(gets().filter((p) => p.endsWith('.zip'))).toEqual([])
    expect(await readdir(join(b.toolCache, 'chrome')).catch(() => [])).toEqual([])
  })

  test('lock downloads each zip once and pins its sha256; install verifies against the lock, links chrome + chromedriver, passes the smoke test and is listed', async () => {
    const r = await repo()
    const locked = await r.run(['features', 'lock'])
    expect(locked.exitCode, locked.all).toBe(0)
    const lock = parse(await readFile(r.lock, 'utf8')) as { features: Record<string, { version: string; platforms: Record<string, Array<{ url: string; sha256: string; size: number }>> }> }
    expect(lock.features.chrome!.version).toBe(V)
    // Upstream URLs in the lock, the digests of the bytes served; x64 glibc only (no linux arm64 upstream).
    expect(Object.keys(lock.features.chrome!.platforms)).toEqual(['linux-x64'])
    expect(lock.features.chrome!.platforms['linux-x64']).toEqual([
      expect.objectContaining({ url: `${UP}chrome-linux64.zip`, sha256: await sha256(join(mirror.root, mirror.zips.chrome)), archive: 'zip' }),
      expect.objectContaining({ url: `${UP}chromedriver-linux64.zip`, sha256: await sha256(join(mirror.root, mirror.zips.chromedriver)), archive: 'zip' }),
    ])
    expect(gets().filter((p) => p.endsWith('.zip'))).toEqual([`/${mirror.zips.chrome}`, `/${mirror.zips.chromedriver}`].sort())

    server.resetRequests()
    const res = await r.run(['features', 'install', '--frozen'])
    expect(res.exitCode, res.all).toBe(0)
    const dir = join(r.b.toolCache, 'chrome', V, 'x64')
    expect((await readdir(join(r.b.toolCache, 'chrome', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await readdir(dir)).sort()).toEqual(['chrome-linux64', 'chromedriver-linux64'])
    expect((await execa(join(r.b.binDir, 'chrome'), ['--version'])).stdout).toContain(`Google Chrome for Testing ${CHROME_VERSION}`)
    expect((await execa(join(r.b.binDir, 'chromedriver'), ['--version'])).stdout).toContain(`ChromeDriver ${CHROME_VERSION}`)

    const list = JSON.parse((await r.b.runner(['features', 'list', '--json'])).stdout)
    expect(list.installed.find((x: { id: string }) => x.id === 'chrome')).toMatchObject({ version: V, arch: 'x64', sourceUrl: `${UP}chrome-linux64.zip` })
  })

  test('a zip that changes after the lock pinned it is CHECKSUM_MISMATCH, nothing installed', async () => {
    const r = await repo()
    expect((await r.run(['features', 'lock'])).exitCode).toBe(0)
    server.override(`/${mirror.zips.chromedriver}`, Buffer.concat([await readFile(join(mirror.root, mirror.zips.chromedriver)), Buffer.from('tampered')]))
    const res = await r.run(['features', 'install', '--frozen'])
    expect(res.exitCode).toBe(1)
    expect(res.all).toContain('CHECKSUM_MISMATCH')
    expect(await readdir(join(r.b.toolCache, 'chrome', V)).catch(() => [])).toEqual([])
    expect(await readdir(r.b.binDir).catch(() => [])).toEqual([])
  })
})
