import { lstat, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness, missingCommands } from '@runner-features/kit/testing'
import { mirror as buildGoMirror } from '../fixtures/mirror.ts'

// The built `runner` against a local server in go.dev's layout (`/dl/?mode=json&include=all` and
// `/dl/go<V>.linux-amd64.tar.gz`) serving a real Go toolchain repackaged from Debian's
// golang-1.19-go (see buildGoMirror). Building the fixture needs apt-get download + dpkg-deb.
const e2e = mirrorHarness({
  feature: 'go',
  mirror: () => buildGoMirror(),
  // The JSON list lives at a directory URL (`/dl/?mode=json…`); a static server answers it by override.
  overrides: (m) => ({ '/dl/': m.listing }),
  skip: missingCommands('apt-get', 'dpkg-deb'),
})
beforeAll(e2e.start, 300_000)
afterEach(e2e.reset)
afterAll(e2e.close)
const exists = (p: string) => lstat(p).then(() => true, () => false)

describe.skipIf(e2e.skipped)('runner features install go', () => {
  test('go@1.19 lands in go/<semver>/x64 with its marker, runs, and is listed; GITHUB_ENV gets GOTOOLCHAIN and GOROOT_1_19_X64', async () => {
    const { mirror, server } = e2e
    const b = await e2e.sandbox()
    const githubEnv = join(b.dir, 'github_env')
    const githubPath = join(b.dir, 'github_path')
    const res = await b.run(['features', 'install', 'go@1.19'], { GITHUB_ENV: githubEnv, GITHUB_PATH: githubPath })
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain(`go@1.19 → ${mirror.version}  installed`)
    expect(server.requests).toEqual(['GET /dl/ 200', `GET /dl/${mirror.asset} 200`])

    const dir = join(b.toolCache, 'go', mirror.version, 'x64')
    expect((await readdir(join(b.toolCache, 'go', mirror.version))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await execa(join(dir, 'bin', 'go'), ['env', 'GOROOT'], { env: { HOME: b.dir } })).stdout).toBe(dir)
    expect((await execa(join(b.binDir, 'go'), ['version'])).stdout).toBe(`go version go${mirror.version} linux/amd64`)
    expect((await execa(join(b.binDir, 'gofmt'), [], { input: 'package main\nfunc  main( ) {}\n' })).stdout).toBe('package main\n\nfunc main() {}')
    expect(await readFile(githubPath, 'utf8')).toBe(`${join(dir, 'bin')}\n`)
    expect(await readFile(githubEnv, 'utf8')).toBe(`GOTOOLCHAIN=local\nGOROOT_1_19_X64=${dir}\n`)

    const list = JSON.parse((await b.run(['features', 'list', '--json'])).stdout)
    expect(list.installed.find((r: { id: string }) => r.id === 'go')).toMatchObject({
      version: mirror.version, arch: 'x64', path: dir, sourceUrl: `https://go.dev/dl/${mirror.asset}`,
    })
    const text = await b.run(['features', 'list'])
    expect(text.stdout).toMatch(new RegExp(`go\\s+${mirror.version.replaceAll('.', '\\.')}`))
  }, 120_000)

  test('go (the default, latest) is the newest stable release; a re-install is a no-op without requests', async () => {
    const b = await e2e.sandbox()
    const first = await b.run(['features', 'install', 'go'])
    expect(first.exitCode, first.all).toBe(0)
    expect(first.stdout).toContain(`go@latest → ${e2e.mirror.version}  installed`)
    e2e.server.requests.splice(0)
    const again = await b.run(['features', 'install', 'go@1.19'])
    expect(again.exitCode, again.all).toBe(0)
    expect(again.stdout).toContain('already installed')
    expect(e2e.server.requests).toEqual([])
  }, 120_000)

  test('a tampered archive fails CHECKSUM_MISMATCH and leaves nothing in the tool cache or bin dir', async () => {
    const { mirror } = e2e
    const b = await e2e.sandbox()
    e2e.server.override(`/dl/${mirror.asset}`, Buffer.from('not a tarball'))
    const res = await b.run(['features', 'install', 'go@1.19', '--json'])
    expect(res.exitCode).not.toBe(0)
    expect(JSON.parse(res.stdout).results[0].error).toMatchObject({ code: 'CHECKSUM_MISMATCH', where: expect.stringContaining('checksum from https://go.dev/dl/?mode=json&include=all') })
    expect(await exists(join(b.toolCache, 'go', mirror.version, 'x64'))).toBe(false)
    expect(await exists(join(b.toolCache, 'go', mirror.version, 'x64.complete'))).toBe(false)
    expect(await exists(join(b.binDir, 'go'))).toBe(false)
  }, 60_000)

  test('a version go.dev does not list is VERSION_NOT_FOUND naming the newest it has', async () => {
    const b = await e2e.sandbox()
    const res = await b.run(['features', 'install', 'go@1.30', '--json'])
    expect(res.exitCode).not.toBe(0)
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'VERSION_NOT_FOUND', where: 'go@1.30 (argument)', details: { nearest: [e2e.mirror.version, '1.13.7'] } })
  }, 60_000)
})
