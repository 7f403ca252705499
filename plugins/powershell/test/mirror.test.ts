import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256File, type PluginMirror } from '@runner-features/fixture-mirror'
import { mirror as buildPowershellMirror, DEFAULT_POWERSHELL_VERSIONS, encodeHashes, upstreamHashesEncoding } from '../fixtures/mirror.ts'

let mirror: PluginMirror
let scratch: string
beforeAll(async () => {
  mirror = await buildPowershellMirror()
  scratch = await mkdtemp(join(tmpdir(), 'rf-powershell-fixture-'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

const release = (v: string, ...p: string[]) => join(mirror.root, 'releases', 'download', `v${v}`, ...p)

/** hashes.sha256 decoded by its BOM, as a test (not the product) reads it. */
function decodeHashes(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le')
  return bytes.toString('utf8')
}

describe('buildPowershellMirror (default)', () => {
  it('lays out releases/download/v<V>/ with three linux tarballs and hashes.sha256', () => {
    expect(mirror.versions).toEqual(DEFAULT_POWERSHELL_VERSIONS)
    expect(readdirSync(release('7.4.6')).sort()).toEqual([
      'hashes.sha256', 'powershell-7.4.6-linux-arm64.tar.gz', 'powershell-7.4.6-linux-musl-x64.tar.gz', 'powershell-7.4.6-linux-x64.tar.gz',
    ])
  })

  it('hashes.sha256 uses upstream\'s encoding per version and holds the real sha256 of each tarball', async () => {
    expect(readFileSync(release('7.4.6', 'hashes.sha256')).subarray(0, 2)).not.toEqual(Buffer.from([0xff, 0xfe]))
    expect(readFileSync(release('7.5.2', 'hashes.sha256')).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]))
    for (const v of mirror.versions) {
      const lines = decodeHashes(readFileSync(release(v, 'hashes.sha256'))).split('\r\n').filter(Boolean)
      expect(lines).toHaveLength(3)
      for (const line of lines) {
        const [hash, star] = line.split(' ')
        expect(star!.startsWith('*')).toBe(true)
        expect(await sha256File(release(v, star!.slice(1)))).toBe(hash)
      }
    }
  })

  it('api/releases lists the built versions first, then the real trimmed listing', () => {
    const releases = JSON.parse(readFileSync(join(mirror.root, 'api', 'releases'), 'utf8')) as Array<{ tag_name: string }>
    expect(releases.map((r) => r.tag_name)).toEqual(['v7.5.2', 'v7.4.6', 'v7.2.0-preview.5', 'v7.1.3'])
  })

  it('the tarball is flat and ships pwsh without its execute bit, like upstream', () => {
    const listing = execFileSync('tar', ['-tvzf', release('7.4.6', 'powershell-7.4.6-linux-x64.tar.gz')], { encoding: 'utf8' })
    expect(listing).toMatch(/^-rw-r--r-- .* pwsh$/m)
    expect(listing.trim().split('\n').map((l) => l.split(' ').pop())).toEqual(['pwsh', 'LICENSE.txt', 'pwsh.dll'])
  })

  it('the stand-in answers --version, records -File argv byte for byte, and refuses the rest', () => {
    const dir = join(scratch, 'x64')
    execFileSync('mkdir', ['-p', dir])
    execFileSync('tar', ['-xzf', release('7.5.2', 'powershell-7.5.2-linux-x64.tar.gz'), '-C', dir])
    const pwsh = join(dir, 'pwsh')
    chmodSync(pwsh, 0o755)
    expect(execFileSync(pwsh, ['--version'], { encoding: 'utf8' })).toBe('PowerShell 7.5.2\n')
    const script = join(scratch, 's.ps1')
    writeFileSync(script, 'param($a)\n')
    const argvFile = join(scratch, 'argv')
    const hostile = ['-a', '"; rm -rf / #', '$(id)', 'line1\nline2\n', '']
    const ran = spawnSync(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', script, ...hostile], { encoding: 'utf8', env: { ...process.env, PWSH_STANDIN_ARGV_FILE: argvFile } })
    expect(ran.status, ran.stderr).toBe(0)
    expect(readFileSync(argvFile, 'utf8').split('\0').slice(0, -1)).toEqual([script, ...hostile])
    const missing = spawnSync(pwsh, ['-File', join(scratch, 'nope.ps1')], { encoding: 'utf8' })
    expect(missing.status).toBe(64)
    expect(missing.stderr).toContain('is not recognized as the name of a script file')
    expect(spawnSync(pwsh, ['-Command', 'Get-Date'], { encoding: 'utf8' }).status).toBe(64)
  })
})

describe('hashes encodings', () => {
  it('switches to UTF-16LE with BOM at 7.5.2', () => {
    expect(['7.2.0', '7.4.6', '7.5.1', '7.5.2', '7.6.0-preview.4'].map(upstreamHashesEncoding)).toEqual(['utf8', 'utf8', 'utf8', 'utf16le-bom', 'utf16le-bom'])
  })

  it('writes `<hex> *<name>` CRLF lines behind the right BOM', () => {
    const sums = [['a.tar.gz', 'ab'.repeat(32)]] as const
    expect(encodeHashes(sums, 'utf8').toString()).toBe(`${'ab'.repeat(32)} *a.tar.gz\r\n`)
    expect([...encodeHashes(sums, 'utf8-bom').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(encodeHashes(sums, 'utf16le-bom').subarray(2).toString('utf16le')).toBe(`${'ab'.repeat(32)} *a.tar.gz\r\n`)
  })
})
