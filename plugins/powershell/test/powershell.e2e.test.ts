import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { sha256File, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from '../../../packages/cli/test/helpers.js'
import { mirror as buildPowershellMirror, encodeHashes } from '../fixtures/mirror.ts'

// The built `runner` against a local server in the github.com/PowerShell/PowerShell/ layout:
// api/releases (the trimmed real API listing plus 7.4.6 and 7.5.2), releases/download/v<V>/ with flat
// powershell-<V>-linux-*.tar.gz (a stand-in `pwsh` shipped 0644, as upstream ships it) and
// hashes.sha256 in upstream's encoding for that version (UTF-8 for 7.4.6, UTF-16LE+BOM for 7.5.2).
let server: MirrorServer
let mirrorUrl: string
let root: string
const boxes: Sandbox[] = []

beforeAll(async () => {
  const mirror = await buildPowershellMirror()
  root = mirror.root
  server = await startMirrorServer(root)
  mirrorUrl = server.url
})
afterAll(async () => {
  await server?.close()
})
afterEach(async () => {
  server.clearOverrides()
  server.resetRequests()
  await Promise.all(boxes.splice(0).map((b) => b.cleanup()))
})

async function box(env: Record<string, string> = { RUNNER_FEATURES_MIRROR_POWERSHELL: mirrorUrl }): Promise<Sandbox> {
  const b = await sandbox(env)
  boxes.push(b)
  return b
}
const ls = (p: string) => readdir(p).catch(() => [] as string[])
const tarball = (v: string) => `releases/download/v${v}/powershell-${v}-linux-x64.tar.gz`

describe('runner features install powershell', () => {
  test('latest → 7.5.2 (UTF-16LE hashes.sha256) into pwsh/<V>/x64 with its marker; pwsh made executable and linked', async () => {
    const b = await box()
    const res = await b.runner(['features', 'install', 'powershell'])
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain('powershell@latest → 7.5.2  installed')
    expect((await ls(join(b.toolCache, 'pwsh', '7.5.2'))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await ls(join(b.toolCache, 'pwsh', '7.5.2', 'x64'))).sort()).toEqual(['LICENSE.txt', 'pwsh', 'pwsh.dll'])
    // Upstream ships pwsh 0644: core makes declared bins executable. The write bits may be gone
    // (installs share read-only inodes with the extracted-tree store), so only the x bits count.
    expect((await stat(join(b.toolCache, 'pwsh', '7.5.2', 'x64', 'pwsh'))).mode & 0o111).toBe(0o111)
    expect((await stat(join(b.toolCache, 'pwsh', '7.5.2', 'x64', 'pwsh.dll'))).mode & 0o111).toBe(0)
    expect((await execa(join(b.binDir, 'pwsh'), ['--version'])).stdout).toBe('PowerShell 7.5.2')
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(expect.arrayContaining([
      'GET /api/releases 200', 'GET /releases/download/v7.5.2/hashes.sha256 200', `GET /${tarball('7.5.2')} 200`,
    ]))
    const list = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout)
    const record = list.installed.find((r: { id: string }) => r.id === 'powershell')
    expect(record).toMatchObject({
      version: '7.5.2',
      sourceUrl: `https://github.com/PowerShell/PowerShell/${tarball('7.5.2')}`,
      sha256: await sha256File(join(root, tarball('7.5.2'))),
    })
  })

  test('--mirror powershell=<url> installs a pinned 7.4.6 (UTF-8 hashes.sha256)', async () => {
    const b = await box({})
    const res = await b.runner(['features', 'install', 'powershell@7.4.6', '--mirror', `powershell=${mirrorUrl}`])
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain('powershell@7.4.6 → 7.4.6  installed')
    expect((await execa(join(b.toolCache, 'pwsh', '7.4.6', 'x64', 'pwsh'), ['--version'])).stdout).toBe('PowerShell 7.4.6')
  })

  test('a hashes.sha256 with a UTF-8 BOM is read like the plain one', async () => {
    const b = await box()
    const sums: Array<[string, string]> = []
    for (const p of ['linux-x64', 'linux-arm64', 'linux-musl-x64']) {
      const name = `powershell-7.5.2-${p}.tar.gz`
      sums.push([name, await sha256File(join(root, 'releases', 'download', 'v7.5.2', name))])
    }
    const bom = encodeHashes(sums, 'utf8-bom')
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    server.override('/releases/download/v7.5.2/hashes.sha256', bom)
    const res = await b.runner(['features', 'install', 'powershell@7.5.2'])
    expect(res.exitCode, res.all).toBe(0)
    expect(await ls(join(b.toolCache, 'pwsh', '7.5.2'))).toContain('x64.complete')
  })

  test('a tampered tarball fails with CHECKSUM_MISMATCH naming hashes.sha256 and leaves nothing behind', async () => {
    const b = await box()
    // A well-formed tarball with other contents (a swapped pwsh), so only the checksum can catch it.
    const tampered = await readFile(join(root, tarball('7.4.6')))
    server.override(`/${tarball('7.5.2')}`, tampered)
    const res = await b.runner(['features', 'install', 'powershell@7.5.2'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toMatch(/error CHECKSUM_MISMATCH: .*releases\/download\/v7\.5\.2\/hashes\.sha256/)
    expect(res.stderr).toContain('hint:')
    expect(await ls(join(b.toolCache, 'pwsh', '7.5.2'))).toEqual([])
    expect(await ls(b.binDir)).toEqual([])
    expect(await ls(join(b.cacheDir, 'downloads', 'sha256'))).toEqual([])
  })

  test('a hashes.sha256 with a wrong hash for the tarball (PowerShell#23975) fails closed the same way', async () => {
    const b = await box()
    server.override('/releases/download/v7.4.6/hashes.sha256', encodeHashes([['powershell-7.4.6-linux-x64.tar.gz', 'e'.repeat(64)]], 'utf8'))
    const res = await b.runner(['features', 'install', 'powershell@7.4.6'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain('error CHECKSUM_MISMATCH')
    expect(await ls(join(b.toolCache, 'pwsh', '7.4.6'))).toEqual([])
    expect(await ls(b.binDir)).toEqual([])
  })

  test('a damaged hashes.sha256 is UPSTREAM_FORMAT and no tarball is downloaded', async () => {
    const b = await box()
    server.override('/releases/download/v7.4.6/hashes.sha256', Buffer.from('<html>404 Not Found</html>\n'))
    const res = await b.runner(['features', 'install', 'powershell@7.4.6'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toMatch(/error UPSTREAM_FORMAT: .*hashes\.sha256:1/)
    expect(server.requests.some((r) => r.path.endsWith('.tar.gz'))).toBe(false)
  })
})
