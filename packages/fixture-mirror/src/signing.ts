import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as openpgp from 'openpgp'
import { buildOnce, cacheRoot } from './cache.js'

/** A TEST signing key: the public half for RUNNER_FEATURES_TRUSTED_KEYS, the private half to sign mirrors. */
export interface MirrorSigningKey {
  /** Armored public key file; pass it as `RUNNER_FEATURES_TRUSTED_KEYS`. */
  publicKeyFile: string
  fingerprint: string
  privateKey: openpgp.PrivateKey
}

let pending: Promise<MirrorSigningKey> | undefined

/**
 * The key fixture mirrors sign their checksum files with, as upstreams sign theirs. Generated with
 * `openpgp.generateKey` the first time a test needs it and kept in the fixture cache (next to the
 * mirrors it signed, which are cached too), so every test process and the demo share one key.
 * It is a throwaway test key: it never leaves the cache and nothing trusts it unless told to.
 */
export function mirrorSigningKey(): Promise<MirrorSigningKey> {
  pending ??= (async () => {
    const dir = await buildOnce(join(cacheRoot(), 'signing-key', 'v1'), async (tmp) => {
      const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'runner-features fixture mirror (TEST KEY)', email: 'test@example.invalid' }], format: 'armored' })
      await mkdir(tmp, { recursive: true })
      await writeFile(join(tmp, 'private.asc'), privateKey, { mode: 0o600 })
      await writeFile(join(tmp, 'public.asc'), publicKey)
    })
    const privateKey = await openpgp.readPrivateKey({ armoredKey: await readFile(join(dir, 'private.asc'), 'utf8') })
    return { publicKeyFile: join(dir, 'public.asc'), fingerprint: privateKey.getFingerprint().toUpperCase(), privateKey }
  })()
  return pending
}

/**
 * Writes a detached binary signature of `file` next to it for each suffix (`.sig`; HashiCorp's
 * `.72D7468F.sig` and `.sig`), made with `key` (default: {@link mirrorSigningKey}), as
 * `gpg --detach-sign` would.
 */
export async function signFile(file: string, suffixes: readonly string[] = ['.sig'], key?: openpgp.PrivateKey, armored = false): Promise<void> {
  const signature = await detachedSignature(await readFile(file), key, armored)
  for (const suffix of suffixes) await writeFile(file + suffix, signature)
}

/** A detached binary signature of `data` (default key: {@link mirrorSigningKey}), for tests that serve a changed checksum file. */
export async function detachedSignature(data: Buffer | string, key?: openpgp.PrivateKey, armored = false): Promise<Uint8Array> {
  const signingKey = key ?? (await mirrorSigningKey()).privateKey
  const message = await openpgp.createMessage({ binary: Buffer.from(data) })
  // `armored`: an `.asc` as `gpg --armor --detach-sign` writes it (helm); else a binary `.sig`.
  if (armored) return Buffer.from(await openpgp.sign({ message, signingKeys: signingKey, detached: true }))
  return openpgp.sign({ message, signingKeys: signingKey, detached: true, format: 'binary' })
}

/** A fresh throwaway key pair (wrong-signer tests): the private key for {@link detachedSignature}, the armored public key to trust. */
export async function generateTestKey(name = 'another signer (TEST KEY)'): Promise<{ privateKey: openpgp.PrivateKey; publicKeyArmored: string; fingerprint: string }> {
  const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name, email: 'test@example.invalid' }], format: 'object' })
  return { privateKey, publicKeyArmored: publicKey.armor(), fingerprint: publicKey.getFingerprint().toUpperCase() }
}
