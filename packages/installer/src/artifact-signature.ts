import * as openpgp from 'openpgp'
import { RunnerError } from '@runner-features/core'
import { formatFingerprint, readDetachedSignature, trustedSigner, type TrustedKey } from './signatures.js'

/**
 * Verifies a detached OpenPGP signature made over an artifact's own bytes (AWS CLI's
 * `awscli-exe-linux-x86_64-<V>.zip.sig`), as `gpg --verify file.sig file` does — next to
 * {@link verifyChecksumSignature}, which verifies a signature over a checksum file. `signature` is
 * binary or ASCII-armored. Returns the fingerprint of the trusted primary key that made it;
 * anything else is `SIGNATURE_INVALID` naming the file, the keys expected and the key found. The
 * key is judged at signing time, as gpg does.
 */
export async function verifyArtifactSignature(o: { bytes: Uint8Array; signature: Uint8Array; file: string; signatureFile: string; keys: readonly TrustedKey[] }): Promise<string> {
  const expected = [...new Set(o.keys.map((k) => formatFingerprint(k.fingerprint)))].join(', ') || 'no trusted key'
  const invalid = (what: string, found?: string, cause?: unknown) => new RunnerError('SIGNATURE_INVALID', `${o.signatureFile}: ${what}; expected a signature by ${expected}${found ? `, found key ${found}` : ''}`, {
    where: o.file,
    hint: 'the file or its signature was changed (or a mirror serves other bytes: add its key with RUNNER_FEATURES_TRUSTED_KEYS or trustedKeys:); nothing was installed or locked',
    details: { signature: o.signatureFile, expected: o.keys.map((k) => k.fingerprint), ...(found ? { found } : {}) },
    ...(cause ? { cause } : {}),
  })
  if (!o.keys.length) throw invalid('no trusted key is configured for it')
  let signature: openpgp.Signature
  try {
    signature = await readDetachedSignature(o.signature)
  } catch (err) {
    throw invalid(`not an OpenPGP signature (${(err as Error).message})`, undefined, err)
  }
  const { signer, found } = trustedSigner(signature, o.keys)
  if (!signer) throw invalid('signed by a key that is not trusted', found)
  const created = (signature.packets[0] as { created?: Date } | undefined)?.created ?? new Date()
  const date = created.getTime() < Date.now() ? created : new Date()
  try {
    const result = await openpgp.verify({ message: await openpgp.createMessage({ binary: o.bytes }), signature, verificationKeys: signer.key, date, expectSigned: true })
    await Promise.all(result.signatures.map((s) => s.verified))
  } catch (err) {
    throw invalid(`the signature does not verify (${(err as Error).message})`, `${found} (${formatFingerprint(signer.fingerprint)})`, err)
  }
  return signer.fingerprint
}

/**
 * Who made a detached signature, without the signed bytes: the fingerprint of the trusted key whose
 * (sub)key ID the signature names. A locked install uses it to notice a downgrade before any
 * download (the lock's sha256 pins the bytes, which {@link verifyArtifactSignature} checked against
 * this signature when the lock was written). Not a key nobody trusts: `SIGNATURE_INVALID` with
 * `details.found` (the key IDs named) and no signer; unreadable: `SIGNATURE_INVALID`.
 */
export async function detachedSigner(o: { signature: Uint8Array; file: string; signatureFile: string; keys: readonly TrustedKey[] }): Promise<string> {
  let signature: openpgp.Signature
  try {
    signature = await readDetachedSignature(o.signature)
  } catch (err) {
    throw new RunnerError('SIGNATURE_INVALID', `${o.signatureFile}: not an OpenPGP signature (${(err as Error).message})`, { where: o.file, hint: 'the signature file was changed or a mirror serves another file', cause: err })
  }
  const { signer, found } = trustedSigner(signature, o.keys)
  if (!signer) {
    throw new RunnerError('SIGNATURE_INVALID', `${o.signatureFile}: signed by a key that is not trusted, found key ${found}`, { where: o.file, hint: 'add the key with RUNNER_FEATURES_TRUSTED_KEYS or trustedKeys: if it is really the upstream\'s', details: { signature: o.signatureFile, found } })
  }
  return signer.fingerprint
}
