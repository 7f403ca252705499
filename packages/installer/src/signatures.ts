import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import * as openpgp from 'openpgp'
import { RunnerError } from '@runner-features/core'
import type { FeatureHttp } from './http.js'

/** A public key a checksum file may be signed by, and where it was read from (for messages). */
export interface TrustedKey {
  key: openpgp.PublicKey
  /** The primary key's fingerprint, upper-case hex without spaces. */
  fingerprint: string
  source: string
}

/** A verified checksum file: who signed it and the text the signature covers. */
export interface VerifiedChecksums {
  /** Fingerprint of the trusted primary key whose (sub)key made the signature. */
  fingerprint: string
  /**
   * The text the signature covers, for parsing checksums: the checksum file's bytes decoded as
   * UTF-8 for a detached signature (a byte that is not UTF-8 becomes U+FFFD here, but was verified
   * as it is), the signed part for a clearsigned `.asc` (Node.js' `SHASUMS256.txt.asc`).
   */
  signedText: string
}

const KEY_BLOCK = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g

/**
 * Every public key in armored text (one or more `BEGIN PGP PUBLIC KEY BLOCK`s, as a keyring file
 * or the nodejs/release-keys files concatenated). No key at all, or an unreadable block, is
 * `SIGNATURE_INVALID` naming the source: a trust root that cannot be read must never mean "no check".
 */
export async function readPublicKeys(armored: string, source: string): Promise<TrustedKey[]> {
  const blocks = armored.match(KEY_BLOCK) ?? []
  if (!blocks.length) {
    throw new RunnerError('SIGNATURE_INVALID', 'no armored public key (-----BEGIN PGP PUBLIC KEY BLOCK-----) in the file', { where: source, hint: 'export the key with `gpg --armor --export <fingerprint>`' })
  }
  const out: TrustedKey[] = []
  for (const block of blocks) {
    let keys: openpgp.Key[]
    try {
      keys = await openpgp.readKeys({ armoredKeys: block })
    } catch (err) {
      throw new RunnerError('SIGNATURE_INVALID', `unreadable public key: ${(err as Error).message}`, { where: source, hint: 'export the key again with `gpg --armor --export <fingerprint>`', cause: err })
    }
    for (const key of keys) out.push({ key: key.toPublic(), fingerprint: key.getFingerprint().toUpperCase(), source })
  }
  return out
}

/** Keys from files and directories (every `*.asc` in a directory, sorted). */
export async function readKeyFiles(paths: readonly string[]): Promise<TrustedKey[]> {
  const out: TrustedKey[] = []
  for (const path of paths) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new RunnerError('SIGNATURE_INVALID', `cannot read the trusted key file: ${err.code ?? err.message}`, { where: path, hint: 'point RUNNER_FEATURES_TRUSTED_KEYS / trustedKeys: at armored public key files' })
    })
    const files = info.isDirectory() ? (await readdir(path)).filter((f) => f.endsWith('.asc')).sort().map((f) => join(path, f)) : [path]
    for (const file of files) out.push(...(await readPublicKeys(await readFile(file, 'utf8'), file)))
  }
  return out
}

/** `ABCD…` → `ABCD EF01 …` as upstreams print fingerprints. */
export function formatFingerprint(fp: string): string {
  return fp.replace(/(.{4})(?=.)/g, '$1 ')
}

/** A detached signature, binary (`.sig`) or ASCII-armored (`.asc`); openpgp's parse error otherwise. */
export async function readDetachedSignature(bytes: Uint8Array): Promise<openpgp.Signature> {
  const text = Buffer.from(bytes).toString('utf8')
  return text.includes('-----BEGIN PGP SIGNATURE-----') ? openpgp.readSignature({ armoredSignature: text }) : openpgp.readSignature({ binarySignature: bytes })
}

/**
 * The trusted key whose (sub)key made `signature`, if any, and the key IDs the signature names
 * (`found`, upper-case hex, for messages; `none named` when it names none).
 */
export function trustedSigner(signature: openpgp.Signature, keys: readonly TrustedKey[]): { signer: TrustedKey | undefined; found: string } {
  const ids = signature.getSigningKeyIDs()
  const found = ids.map((id) => id.toHex().toUpperCase()).join(', ') || 'none named'
  return { signer: keys.find((k) => ids.some((id) => k.key.getKeys(id).length > 0)), found }
}

function expectedKeys(keys: readonly TrustedKey[]): string {
  const fps = [...new Set(keys.map((k) => k.fingerprint))]
  const shown = fps.slice(0, 3).map(formatFingerprint).join(', ')
  return fps.length > 3 ? `one of ${fps.length} keys (${shown}, …)` : fps.length > 1 ? `one of ${shown}` : shown
}

/**
 * A checksum file's exact bytes, which a detached signature covers, read through the index cache so
 * an offline run finds the file an earlier run verified. The text read is the one the plugin's
 * checksum lookup already made (one request per run, and the cache entry every earlier version
 * wrote), and it is exact whenever it decoded cleanly: UTF-8 decoding that replaced nothing with
 * U+FFFD is lossless, so encoding it again gives the same bytes. Otherwise (a Latin-1 byte, say)
 * the raw bytes are read, and cached beside the text for the next offline run.
 */
export async function checksumFileBytes(http: Pick<FeatureHttp, 'text' | 'bytes'>, url: string): Promise<Buffer> {
  const text = await http.text(url)
  return text.includes('\uFFFD') ? http.bytes(url) : Buffer.from(text, 'utf8')
}

/**
 * Verifies `signature` (a `.sig` in binary, an armored detached `.asc`, or a clearsigned `.asc`)
 * over the checksum file's exact `bytes` against `keys` (a clearsigned file carries its own text;
 * `bytes` is then unused). Fails closed with `SIGNATURE_INVALID` naming the
 * signature file, the keys expected and the key found: a signature by an unknown key, a damaged one,
 * one that does not match the bytes (a tampered checksum file), or one made while its key was
 * expired or revoked.
 *
 * A key is judged at the time the signature was made (as gpg does): a release signed in 2023 by a
 * key that expired in 2026 still verifies; a signature made after the key expired does not.
 */
export async function verifyChecksumSignature(o: { bytes: Uint8Array; signature: Uint8Array; file: string; signatureFile: string; keys: readonly TrustedKey[] }): Promise<VerifiedChecksums> {
  const invalid = (what: string, found: string | undefined, cause?: unknown, signer?: string) => new RunnerError('SIGNATURE_INVALID', `${o.signatureFile}: ${what}; expected a signature by ${expectedKeys(o.keys)}${found ? `, found key ${found}` : ''}`, {
    where: o.file,
    hint: 'the checksum file or its signature was changed (or the mirror re-signs with its own key: add that key with RUNNER_FEATURES_TRUSTED_KEYS or trustedKeys:); nothing was downloaded',
    // `signer`: a trusted key made it but it does not verify (tampering), as opposed to an untrusted key.
    details: { signature: o.signatureFile, expected: o.keys.map((k) => k.fingerprint), ...(found ? { found } : {}), ...(signer ? { signer } : {}) },
    ...(cause ? { cause } : {}),
  })
  if (!o.keys.length) throw invalid('no trusted key is configured for it', undefined)
  const asText = Buffer.from(o.signature).toString('utf8')
  let signature: openpgp.Signature
  let clear: openpgp.CleartextMessage | undefined
  let signedText = Buffer.from(o.bytes).toString('utf8')
  try {
    if (asText.includes('-----BEGIN PGP SIGNED MESSAGE-----')) {
      clear = await openpgp.readCleartextMessage({ cleartextMessage: asText })
      // The runtime object carries its Signature; openpgp's typings omit the field.
      signature = (clear as unknown as { signature: openpgp.Signature }).signature
      signedText = clear.getText()
    } else {
      signature = await readDetachedSignature(o.signature)
    }
  } catch (err) {
    throw invalid(`not an OpenPGP signature (${(err as Error).message})`, undefined, err)
  }
  const { signer, found } = trustedSigner(signature, o.keys)
  if (!signer) throw invalid('signed by a key that is not trusted', found)
  const created = (signature.packets[0] as { created?: Date } | undefined)?.created ?? new Date()
  const date = created.getTime() < Date.now() ? created : new Date()
  try {
    // Detached signatures cover the file's bytes: verify over them as fetched, never a decoded text.
    const result = clear
      ? await openpgp.verify({ message: clear, verificationKeys: signer.key, date, expectSigned: true })
      : await openpgp.verify({ message: await openpgp.createMessage({ binary: o.bytes }), signature, verificationKeys: signer.key, date, expectSigned: true })
    await Promise.all(result.signatures.map((s) => s.verified))
  } catch (err) {
    throw invalid(`the signature does not verify (${(err as Error).message})`, `${found} (${formatFingerprint(signer.fingerprint)})`, err, signer.fingerprint)
  }
  return { fingerprint: signer.fingerprint, signedText }
}
