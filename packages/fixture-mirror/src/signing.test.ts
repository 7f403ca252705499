import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as openpgp from 'openpgp'
import { expect, it } from 'vitest'
import { mirrorSigningKey, signFile } from './signing.js'

async function verifies(text: string, signatureFile: string, publicKeyFile: string): Promise<boolean> {
  const signature = await openpgp.readSignature({ binarySignature: await readFile(signatureFile) })
  const verificationKeys = await openpgp.readKey({ armoredKey: await readFile(publicKeyFile, 'utf8') })
  const { signatures } = await openpgp.verify({ message: await openpgp.createMessage({ binary: Buffer.from(text) }), signature, verificationKeys })
  return signatures[0]!.verified.then(() => true, () => false)
}

it('signs a checksum file (detached, binary) so that the published test public key verifies exactly those bytes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rf-signing-'))
  try {
    const file = join(dir, 'terraform_1.5.0_SHA256SUMS')
    const text = `${'a'.repeat(64)}  terraform_1.5.0_linux_amd64.zip\n`
    await writeFile(file, text)
    await signFile(file, ['.72D7468F.sig', '.sig'])
    const key = await mirrorSigningKey()
    expect(await readFile(key.publicKeyFile, 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK')
    for (const suffix of ['.72D7468F.sig', '.sig']) {
      expect(await verifies(text, file + suffix, key.publicKeyFile)).toBe(true)
      expect(await verifies(text.replace('aaaa', 'bbbb'), file + suffix, key.publicKeyFile)).toBe(false)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
