import { readFileSync } from 'node:fs'
import * as openpgp from 'openpgp'
import { describe, expect, it } from 'vitest'
import { checksumFileBytes, readPublicKeys, verifyChecksumSignature } from './signatures.js'

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/signatures/${name}`, import.meta.url))
const SUMS = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  tool_1.0.0_linux_amd64.zip\n'
const YEAR = 365 * 86400

async function testKey(opts: { date?: Date } = {}) {
  return openpgp.generateKey({ userIDs: [{ name: 'runner-features test', email: 'test@example.invalid' }], format: 'object', ...opts })
}

async function detach(text: string | Uint8Array, key: openpgp.PrivateKey, armored = false): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: typeof text === 'string' ? Buffer.from(text) : text })
  const sig = armored ? await openpgp.sign({ message, signingKeys: key, detached: true }) : await openpgp.sign({ message, signingKeys: key, detached: true, format: 'binary' })
  return typeof sig === 'string' ? Buffer.from(sig) : sig
}

/** `file`: the checksum file's bytes (a string is its UTF-8 encoding). */
async function verify(file: string | Uint8Array, signature: Uint8Array, keys: Awaited<ReturnType<typeof readPublicKeys>>) {
  return verifyChecksumSignature({ bytes: typeof file === 'string' ? Buffer.from(file) : file, signature, file: 'https://example.invalid/SHA256SUMS', signatureFile: 'https://example.invalid/SHA256SUMS.sig', keys })
}

describe('verifyChecksumSignature', () => {
  it('verifies HashiCorp’s real detached signature with HashiCorp’s real key (signed before the key expired)', async () => {
    const keys = await readPublicKeys(fixture('hashicorp-72D7468F.asc').toString('utf8'), 'hashicorp-72D7468F.asc')
    expect(keys.map((k) => k.fingerprint)).toEqual(['C874011F0AB405110D02105534365D9472D7468F'])
    const text = fixture('terraform-provider-aws_5.2.0_SHA256SUMS').toString('utf8')
    const result = await verify(text, fixture('terraform-provider-aws_5.2.0_SHA256SUMS.72D7468F.sig'), keys)
    expect(result.fingerprint).toBe('C874011F0AB405110D02105534365D9472D7468F')
    // One changed hex digit in the real file: the real signature no longer matches.
    const tampered = text.replace('0e48449e', '0e48449f')
    await expect(verify(tampered, fixture('terraform-provider-aws_5.2.0_SHA256SUMS.72D7468F.sig'), keys)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('does not verify') })
  })

  it.each([['binary .sig', false], ['armored .asc', true]])('accepts a %s by a trusted key and names the signer', async (_name, armored) => {
    const { privateKey, publicKey } = await testKey()
    const keys = await readPublicKeys(publicKey.armor(), 'test.asc')
    await expect(verify(SUMS, await detach(SUMS, privateKey, armored), keys)).resolves.toEqual({ fingerprint: publicKey.getFingerprint().toUpperCase(), signedText: SUMS })
  })

  // A checksum file that is not UTF-8: its signature covers these bytes, which no text round trip keeps.
  const LATIN1 = Buffer.concat([Buffer.from(SUMS), Buffer.from('# release built by J\xf6rg M\xfcller\n', 'latin1')])

  it.each([['binary .sig', false], ['armored .asc', true]])('verifies a checksum file with a Latin-1 byte over its exact bytes (%s); one flipped byte is SIGNATURE_INVALID', async (_name, armored) => {
    expect(LATIN1.toString('utf8')).toContain('\uFFFD')
    const { privateKey, publicKey } = await testKey()
    const keys = await readPublicKeys(publicKey.armor(), 'test.asc')
    const sig = await detach(LATIN1, privateKey, armored)
    const result = await verify(LATIN1, sig, keys)
    expect(result.fingerprint).toBe(publicKey.getFingerprint().toUpperCase())
    // The checksum lookup still reads the (decoded) text.
    expect(result.signedText.startsWith(SUMS)).toBe(true)
    const flipped = Buffer.from(LATIN1)
    flipped[LATIN1.indexOf(0xf6)] = 0xf7
    await expect(verify(flipped, sig, keys)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('does not verify') })
  })

  it('reads a clearsigned file (the SHASUMS256.txt.asc format) and returns the signed text', async () => {
    const { privateKey, publicKey } = await testKey()
    const clear = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text: SUMS }), signingKeys: privateKey })
    const keys = await readPublicKeys(publicKey.armor(), 'test.asc')
    const result = await verify('', Buffer.from(clear), keys)
    expect(result.signedText.trim()).toBe(SUMS.trim())
  })

  it('refuses a signature by a key that is not trusted, naming expected and found keys', async () => {
    const trusted = await testKey()
    const other = await testKey()
    const keys = await readPublicKeys(trusted.publicKey.armor(), 'test.asc')
    const err = await verify(SUMS, await detach(SUMS, other.privateKey), keys).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SIGNATURE_INVALID', where: 'https://example.invalid/SHA256SUMS' })
    const message = (err as Error).message
    expect(message).toContain('https://example.invalid/SHA256SUMS.sig')
    expect(message).toContain(trusted.publicKey.getFingerprint().toUpperCase().slice(0, 4))
    expect(message).toContain(`found key ${other.publicKey.getKeyID().toHex().toUpperCase()}`)
  })

  it('refuses a tampered checksum file that still carries a valid-looking signature', async () => {
    const { privateKey, publicKey } = await testKey()
    const keys = await readPublicKeys(publicKey.armor(), 'test.asc')
    const sig = await detach(SUMS, privateKey)
    await expect(verify(SUMS.replace('e3b0', 'e3b1'), sig, keys)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
  })

  it('refuses a signature made after the key expired', async () => {
    const created = new Date(Date.now() - 3 * YEAR * 1000)
    const { privateKey } = await testKey({ date: created })
    const sig = await detach(SUMS, privateKey)
    // The same key material, re-certified to expire one year after it was made (two years ago).
    const expired = await openpgp.reformatKey({ privateKey, userIDs: [{ name: 'runner-features test' }], keyExpirationTime: YEAR, date: created, format: 'object' })
    const keys = await readPublicKeys(expired.publicKey.armor(), 'expired.asc')
    await expect(verify(SUMS, sig, keys)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(/expired/i) })
  })

  it('refuses garbage as a signature and an unreadable key file', async () => {
    const { publicKey } = await testKey()
    const keys = await readPublicKeys(publicKey.armor(), 'test.asc')
    await expect(verify(SUMS, Buffer.from('<html>404</html>'), keys)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
    await expect(readPublicKeys('not a key', 'keys.asc')).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', where: 'keys.asc' })
  })
})

describe('checksumFileBytes', () => {
  /** An HTTP client that serves `body` as text (decoded as the real one does) and as bytes, counting reads. */
  const http = (body: Buffer) => {
    const calls: string[] = []
    return {
      calls,
      text: async (url: string) => (calls.push(`text ${url}`), body.toString('utf8')),
      bytes: async (url: string) => (calls.push(`bytes ${url}`), Buffer.from(body)),
    }
  }

  it('takes a UTF-8 file from its text read alone (the read the checksum lookup made, and the cache entry earlier runs wrote)', async () => {
    const body = Buffer.from(`${SUMS}# caf\u00e9 \ufeff\n`)
    const h = http(body)
    expect((await checksumFileBytes(h, 'https://example.invalid/SHA256SUMS')).equals(body)).toBe(true)
    expect(h.calls).toEqual(['text https://example.invalid/SHA256SUMS'])
  })

  it('reads the raw bytes when the text lost some (a byte that is not UTF-8)', async () => {
    const body = Buffer.concat([Buffer.from(SUMS), Buffer.from([0x23, 0x20, 0xf6, 0x0a])])
    const h = http(body)
    expect((await checksumFileBytes(h, 'https://example.invalid/SHA256SUMS')).equals(body)).toBe(true)
    expect(h.calls).toEqual(['text https://example.invalid/SHA256SUMS', 'bytes https://example.invalid/SHA256SUMS'])
  })
})
