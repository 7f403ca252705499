import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { PluginRef } from '@runner-features/core'
import { detachedSignature, generateTestKey } from '@runner-features/fixture-mirror'
import { FeatureHttp } from '@runner-features/installer'
import { checkSignatures } from './signatures.js'

// checkSignatures end to end over a real FeatureHttp and a local server: the signature is checked
// over the checksum file's exact bytes (not a UTF-8 round trip of them), and an offline run verifies
// from the index cache an earlier run filled.

const ZIP = 'tool_1.0.0_linux_amd64.zip'
const SHA = createHash('sha256').update('the tool').digest('hex')
/**
 * Checksum files that are not UTF-8. A Latin-1 byte (0xF6, 0xFC: ö, ü) in a file name: the listing
 * parser refuses non-ASCII names, so only a locked install (whose sha256 comes from the lock) uses
 * such a file. PowerShell's UTF-16 with a BOM (`hashes.sha256`): the parser reads it after core's
 * normalisation, so a fresh sha256 is looked up in it.
 */
const LATIN1 = Buffer.concat([Buffer.from(`${SHA}  ${ZIP}\n${SHA}  `), Buffer.from('tool_1.0.0_J\xf6rg_M\xfcller.zip\n', 'latin1')])
const UTF16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${SHA}  ${ZIP}\r\n`, 'utf16le')])
const UTF8 = Buffer.from(`${SHA}  ${ZIP}\n`)
const silent = { info() {}, debug() {}, warn() {} }

let dir: string
let server: Server
let base: string
let fingerprint: string
let privateKey: Awaited<ReturnType<typeof generateTestKey>>['privateKey']
/** What the server answers, by path; anything else is a 404. */
const files = new Map<string, Buffer>()
const requests: string[] = []

async function sign(bytes: Buffer, armored: boolean): Promise<Buffer> {
  return Buffer.from(await detachedSignature(bytes, privateKey, armored))
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-sig-bytes-'))
  const key = await generateTestKey('sig-bytes test signer (TEST KEY)')
  privateKey = key.privateKey
  fingerprint = key.fingerprint
  await writeFile(join(dir, 'key.asc'), key.publicKeyArmored)
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const body = files.get(req.url ?? '')
    res.writeHead(body ? 200 : 404, { 'content-length': body?.length ?? 0 }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

beforeEach(() => {
  files.clear()
  requests.length = 0
})

let runs = 0
/** A fresh checksum file URL per test (the verified-files memo and the index cache are per URL). */
function publish(sums: Buffer, sig: Buffer): string {
  const path = `/r${++runs}/SHA256SUMS`
  files.set(path, sums)
  files.set(`${path}.sig`, sig)
  return `${base}${path}`
}

const ref = { name: '@acme/runner-feature-tool', version: '1.0.0', dir: '', origin: 'user', manifest: { id: 'tool', upstream: 'http://127.0.0.1/', signature: { suffixes: ['.sig'], keys: ['key.asc'] } } } as unknown as PluginRef

function client(cacheDir: string, offline = false): FeatureHttp {
  return new FeatureHttp({ upstream: '', logger: silent, cacheDir, indexTtlMs: 60_000, retries: 0, env: offline ? { RUNNER_FEATURES_OFFLINE: '1' } : {} })
}

/** What the plan does: the plugin reads the checksum file as text for its sha256, then the signature is checked. */
async function check(http: FeatureHttp, sums: string, o: { sha256?: string; locked?: boolean } = {}): Promise<(string | undefined)[]> {
  if (!o.locked) await http.text(sums)
  const artifact = { url: sums.replace('SHA256SUMS', ZIP), sha256: o.sha256 ?? SHA }
  return checkSignatures({ ref: { ...ref, dir }, http, trust: { extraKeyFiles: [], skip: false }, logger: silent, where: 'tool@1.0.0', artifacts: [{ artifact, checksumSource: sums, locked: o.locked ?? false }] })
}

describe('checkSignatures over the checksum file’s exact bytes', () => {
  it.each([['binary .sig', false], ['armored detached .sig', true]])('a checksum file with a Latin-1 byte verifies for a locked install (%s)', async (_name, armored) => {
    expect(LATIN1.toString('utf8')).toContain('\uFFFD')
    const sums = publish(LATIN1, await sign(LATIN1, armored))
    await expect(check(client(join(dir, `cache-${runs}`)), sums, { locked: true })).resolves.toEqual([fingerprint])
  })

  it('unlocked, the signed Latin-1 file verifies but its non-ASCII listing is refused by the checksum lookup (UPSTREAM_FORMAT, not a signature error)', async () => {
    const sums = publish(LATIN1, await sign(LATIN1, false))
    await expect(check(client(join(dir, `cache-${runs}`)), sums)).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT', where: `${sums}:2` })
  })

  it.each([['binary .sig', false], ['armored detached .sig', true]])('a signed UTF-16 checksum file (PowerShell’s, with a BOM) verifies, and the sha256 is looked up in its text (%s)', async (_name, armored) => {
    const sums = publish(UTF16, await sign(UTF16, armored))
    await expect(check(client(join(dir, `cache-${runs}`)), sums)).resolves.toEqual([fingerprint])
    // The signed file lists another sha256 for the artifact than the plugin gave: refused.
    const other = publish(UTF16, await sign(UTF16, armored))
    await expect(check(client(join(dir, `cache-${runs}`)), other, { sha256: 'f'.repeat(64) })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining(`lists ${SHA} for ${ZIP}`) })
  })

  it.each([['binary .sig', false], ['armored detached .sig', true]])('one flipped byte in the Latin-1 file is SIGNATURE_INVALID (%s)', async (_name, armored) => {
    const flipped = Buffer.from(LATIN1)
    flipped[LATIN1.indexOf(0xfc)] = 0xfd
    const sums = publish(flipped, await sign(LATIN1, armored))
    await expect(check(client(join(dir, `cache-${runs}`)), sums, { locked: true })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', where: sums, message: expect.stringContaining('does not verify') })
  })

  it('a UTF-8 file costs no second request: the bytes are the text the checksum lookup read', async () => {
    const sums = publish(UTF8, await sign(UTF8, false))
    await expect(check(client(join(dir, `cache-${runs}`)), sums)).resolves.toEqual([fingerprint])
    expect(requests.filter((r) => r.endsWith('/SHA256SUMS'))).toHaveLength(1)
  })
})

describe('checkSignatures offline, from the index cache of an earlier run', () => {
  it.each([['a UTF-8', UTF8, false], ['a UTF-16', UTF16, false], ['a Latin-1', LATIN1, true]])('%s checksum file verified online verifies offline with no request', async (_name, body, locked) => {
    const cache = join(dir, `cache-offline-${runs}`)
    const sums = publish(body, await sign(body, false))
    const online = client(cache)
    await expect(check(online, sums, { locked })).resolves.toEqual([fingerprint])
    await online.commitIndexCache()
    requests.length = 0
    await expect(check(client(cache, true), sums, { locked })).resolves.toEqual([fingerprint])
    expect(requests).toEqual([])
  })

  it('a cache written by a version that read the checksum file only as text (and the .sig as bytes) still serves an offline run', async () => {
    const cache = join(dir, `cache-old-${runs}`)
    const sums = publish(UTF8, await sign(UTF8, false))
    const earlier = client(cache)
    await earlier.text(sums)
    await earlier.bytes(`${sums}.sig`)
    await earlier.commitIndexCache()
    requests.length = 0
    await expect(check(client(cache, true), sums)).resolves.toEqual([fingerprint])
    expect(requests).toEqual([])
  })

  it('offline, a Latin-1 file whose bytes were never cached fails closed with OFFLINE_UNAVAILABLE (never verified over a lossy text)', async () => {
    const cache = join(dir, `cache-lossy-${runs}`)
    const sums = publish(LATIN1, await sign(LATIN1, false))
    const earlier = client(cache)
    await earlier.text(sums)
    await earlier.bytes(`${sums}.sig`)
    await earlier.commitIndexCache()
    await expect(check(client(cache, true), sums, { locked: true })).rejects.toMatchObject({ code: 'OFFLINE_UNAVAILABLE', where: sums })
  })
})
