import { readFileSync } from 'node:fs'
import * as openpgp from 'openpgp'
import { expect, test } from 'vitest'
import { verifyArtifactSignature } from './artifact-signature.js'
import { readPublicKeys } from './signatures.js'

// A zip's own bytes, signed as `gpg --detach-sign` would (AWS CLI publishes `<zip>.sig` armored).
const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from([0xff, 0xfe, 0x00, 0x80]), Buffer.from('aws/install')])
const newKey = () => openpgp.generateKey({ userIDs: [{ name: 'artifact signer (TEST KEY)', email: 'test@example.invalid' }], format: 'object' })
async function sign(bytes: Uint8Array, key: openpgp.PrivateKey, armored: boolean): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: bytes })
  return armored ? Buffer.from(await openpgp.sign({ message, signingKeys: key, detached: true })) : openpgp.sign({ message, signingKeys: key, detached: true, format: 'binary' })
}
const trusted = async (k: { publicKey: openpgp.PublicKey }) => readPublicKeys(k.publicKey.armor(), 'test key')
const run = (bytes: Uint8Array, signature: Uint8Array, keys: Awaited<ReturnType<typeof trusted>>) => verifyArtifactSignature({ bytes, signature, file: 'https://mirror/awscli.zip', signatureFile: 'https://mirror/awscli.zip.sig', keys })

test.each([true, false])('a signature over the bytes (armored %s) by a trusted key verifies and names the signer', async (armored) => {
  const k = await newKey()
  expect(await run(zip, await sign(zip, k.privateKey, armored), await trusted(k))).toBe(k.privateKey.getFingerprint().toUpperCase())
})

test('one changed byte is SIGNATURE_INVALID naming the signature file (binary bytes are not re-encoded as text)', async () => {
  const k = await newKey()
  const sig = await sign(zip, k.privateKey, true)
  const tampered = Buffer.from(zip)
  tampered[5] = 0x00
  await expect(run(tampered, sig, await trusted(k))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('does not verify'), where: 'https://mirror/awscli.zip' })
})

test('a signature by another key, an HTML page for the .sig, or no key at all is SIGNATURE_INVALID', async () => {
  const [signer, other] = await Promise.all([newKey(), newKey()])
  const sig = await sign(zip, signer.privateKey, false)
  await expect(run(zip, sig, await trusted(other))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('not trusted') })
  await expect(run(zip, Buffer.from('<html>404</html>'), await trusted(signer))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('not an OpenPGP signature') })
  await expect(run(zip, sig, [])).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
})

test("the AWS CLI Team key the aws-cli plugin ships reads as FB5D B77F … 4672 475C", async () => {
  const keys = await readPublicKeys(readFileSync(new URL('../../../plugins/aws-cli/keys/aws-cli-team.asc', import.meta.url), 'utf8'), 'aws-cli-team.asc')
  expect(keys.map((k) => k.fingerprint)).toEqual(['FB5DB77FD5C118B80511ADA8A6310ACC4672475C'])
})
