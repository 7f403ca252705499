import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { parse } from 'yaml'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness, sha256Hex } from '@runner-features/kit/testing'
import { CHROME_SEMVER as V, CHROME_VERSION, mirror as buildChromeMirror, mirrorRules } from '../fixtures/mirror.ts'

// The chrome feature end to end: the built `runner` against one 127.0.0.1 server holding both
// Chrome for Testing hosts (the JSON endpoints and the zips, sent there by RUNNER_FEATURES_MIRRORS).
// Upstream publishes no digests: `features lock` pins them, an install without a lock fails closed.
// The binaries are stand-ins (fixtures/README.md says why).
const e2e = mirrorHarness({ mirror: () => buildChromeMirror(), env: (_m, url) => ({ RUNNER_FEATURES_MIRRORS: mirrorRules(url) }) })
beforeAll(e2e.start)
afterEach(e2e.reset)
afterAll(e2e.close)
const UP = `https://storage.googleapis.com/chrome-for-testing-public/${CHROME_VERSION}/linux64/`
const zipSha256 = async (zip: string) => sha256Hex(await readFile(join(e2e.mirror.root, zip)))
/** The zips the server was asked for, sorted. */
const zipGets = () => e2e.server.requests.map((r) => r.split(' ')).filter(([method, path]) => method === 'GET' && path!.endsWith('.zip')).map(([, path]) => path).sort()

describe('chrome (Chrome for Testing): digests pinned in the lock on first use', () => {
  test('a command-line install with no lock fails closed: CHECKSUM_MISSING with the lock hint, no zip requested, nothing installed', async () => {
    const b = await e2e.sandbox()
    const res = await b.run(['features', 'install', 'chrome', '--json'])
    expect(res.exitCode, res.all).toBe(1)
    const failed = JSON.parse(res.stdout).results[0]
    expect(failed).toMatchObject({ id: 'chrome', status: 'failed', error: { code: 'CHECKSUM_MISSING' } })
    expect(JSON.stringify(failed.error)).toContain('runner features lock')
    expect(zipGets()).toEqual([])
    expect(await readdir(join(b.toolCache, 'chrome')).catch(() => [])).toEqual([])
  })

  test('lock downloads each zip once and pins its sha256; install verifies against the lock, links chrome + chromedriver, passes the smoke test and is listed', async () => {
    const { mirror, server } = e2e
    const b = await e2e.sandbox()
    const r = await b.repo('features:\n  - chrome\n')
    const locked = await r.run(['features', 'lock'])
    expect(locked.exitCode, locked.all).toBe(0)
    const lock = parse(await readFile(r.lock, 'utf8')) as { features: Record<string, { version: string; platforms: Record<string, Array<{ url: string; sha256: string; size: number }>> }> }
    expect(lock.features.chrome!.version).toBe(V)
    // Upstream URLs in the lock, the digests of the bytes served; x64 glibc only (no linux arm64 upstream).
    expect(Object.keys(lock.features.chrome!.platforms)).toEqual(['linux-x64'])
    expect(lock.features.chrome!.platforms['linux-x64']).toEqual([
      expect.objectContaining({ url: `${UP}chrome-linux64.zip`, sha256: await zipSha256(mirror.zips.chrome), archive: 'zip' }),
      expect.objectContaining({ url: `${UP}chromedriver-linux64.zip`, sha256: await zipSha256(mirror.zips.chromedriver), archive: 'zip' }),
    ])
    expect(zipGets()).toEqual([`/${mirror.zips.chrome}`, `/${mirror.zips.chromedriver}`].sort())

    server.requests.splice(0)
    const res = await r.run(['features', 'install', '--frozen'])
    expect(res.exitCode, res.all).toBe(0)
    const dir = join(b.toolCache, 'chrome', V, 'x64')
    expect((await readdir(join(b.toolCache, 'chrome', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await readdir(dir)).sort()).toEqual(['chrome-linux64', 'chromedriver-linux64'])
    expect((await execa(join(b.binDir, 'chrome'), ['--version'])).stdout).toContain(`Google Chrome for Testing ${CHROME_VERSION}`)
    expect((await execa(join(b.binDir, 'chromedriver'), ['--version'])).stdout).toContain(`ChromeDriver ${CHROME_VERSION}`)

    const list = JSON.parse((await b.run(['features', 'list', '--json'])).stdout)
    expect(list.installed.find((x: { id: string }) => x.id === 'chrome')).toMatchObject({ version: V, arch: 'x64', sourceUrl: `${UP}chrome-linux64.zip` })
  })

  test('a zip that changes after the lock pinned it is CHECKSUM_MISMATCH, nothing installed', async () => {
    const { mirror } = e2e
    const b = await e2e.sandbox()
    const r = await b.repo('features:\n  - chrome\n')
    expect((await r.run(['features', 'lock'])).exitCode).toBe(0)
    e2e.server.override(`/${mirror.zips.chromedriver}`, Buffer.concat([await readFile(join(mirror.root, mirror.zips.chromedriver)), Buffer.from('tampered')]))
    const res = await r.run(['features', 'install', '--frozen'])
    expect(res.exitCode).toBe(1)
    expect(res.all).toContain('CHECKSUM_MISMATCH')
    expect(await readdir(join(b.toolCache, 'chrome', V)).catch(() => [])).toEqual([])
    expect(await readdir(b.binDir).catch(() => [])).toEqual([])
  })
})
