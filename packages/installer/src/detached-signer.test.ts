import * as openpgp from 'openpgp'
import { expect, test } from 'vitest'
import { detachedSigner } from './artifact-signature.js'
import { readPublicKeys } from './signatures.js'

// Who made a detached signature, read without the signed bytes (a locked install's downgrade check).
const newKey = () => openpgp.generateKey({ userIDs: [{ name: 'artifact signer (TEST KEY)', email: 'test@example.invalid' }], format: 'object' })
async function sign(key: openpgp.PrivateKey, armored: boolean): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: Buffer.from('the zip') })
  return armored ? Buffer.from(await openpgp.sign({ message, signingKeys: key, detached: true })) : openpgp.sign({ message, signingKeys: key, detached: true, format: 'binary' })
}
const who = async (signature: Uint8Array, ...keys: Array<{ publicKey: openpgp.PublicKey }>) =>
  detachedSigner({ signature, file: 'https://mirror/a.zip', signatureFile: 'https://mirror/a.zip.sig', keys: (await Promise.all(keys.map((k) => readPublicKeys(k.publicKey.armor(), 'test key')))).flat() })

test.each([true, false])('names the trusted key that signed (armored %s), among several', async (armored) => {
  const [a, b] = [await newKey(), await newKey()]
  expect(await who(await sign(b.privateKey, armored), a, b)).toBe(b.publicKey.getFingerprint().toUpperCase())
})

test('a key nobody trusts is SIGNATURE_INVALID with the key IDs found (a downgrade to the caller); junk is SIGNATURE_INVALID without', async () => {
  const [trusted, stranger] = [await newKey(), await newKey()]
  const err = await who(await sign(stranger.privateKey, true), trusted).catch((e: unknown) => e)
  expect(err).toMatchObject({ code: 'SIGNATURE_INVALID', where: 'https://mirror/a.zip', details: { found: stranger.publicKey.getKeyID().toHex().toUpperCase() } })
  const junk = await who(Buffer.from('<html>not found</html>'), trusted).catch((e: unknown) => e)
  expect(junk).toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('not an OpenPGP signature') })
  expect((junk as { details?: unknown }).details).toBeUndefined()
})
