import { createHash, createPublicKey } from 'node:crypto'
import { RunnerError, type RepositorySpec } from '@runner-features/core'
import type { PmDeps } from './deps.js'

/** Upper-case hex without spaces: `0x9DC8 5822 …` and `9dc85822…` compare equal. */
export function normalizeFingerprint(fpr: string): string {
  return fpr.replace(/^0x/i, '').replace(/[\s:]/g, '').toUpperCase()
}

/** Primary-key fingerprints from `gpg --with-colons --show-keys` output (the `fpr` line after each `pub`). */
export function parseGpgFingerprints(colons: string): string[] {
  const out: string[] = []
  let afterPub = false
  for (const line of colons.split('\n')) {
    const fields = line.split(':')
    if (fields[0] === 'pub') afterPub = true
    else if (fields[0] === 'fpr' && afterPub) {
      out.push((fields[9] ?? '').toUpperCase())
      afterPub = false
    } else if (fields[0] === 'sub') afterPub = false
  }
  return out
}

const ARMOR = '-----BEGIN PGP PUBLIC KEY BLOCK-----'

function mismatch(repo: RepositorySpec, message: string, hint: string): RunnerError {
  return new RunnerError('REPOSITORY_KEY_MISMATCH', message, { where: repo.keyUrl, hint, details: { repository: repo.name, expected: normalizeFingerprint(repo.fingerprint) } })
}

/**
 * Fetches a repository's OpenPGP key and checks its fingerprint with gpg (in a throwaway home, so
 * no keyring of the machine is touched) before anything is written. gpg is installed first when
 * missing (`gpgPackage`), the way devcontainer features bootstrap it.
 */
export async function fetchCheckedPgpKey(repo: RepositorySpec, deps: PmDeps, ensureGpg: () => Promise<void>): Promise<string> {
  const key = await deps.http.text(repo.keyUrl)
  if (!key.includes(ARMOR)) {
    throw mismatch(repo, 'the downloaded key is not an ASCII-armored OpenPGP public key', 'point keyUrl at the armored key (.asc / "BEGIN PGP PUBLIC KEY BLOCK")')
  }
  let gpg = await deps.which('gpg')
  if (!gpg) {
    await ensureGpg()
    gpg = (await deps.which('gpg')) ?? 'gpg'
  }
  const home = await deps.fs.tempDir()
  try {
    const r = await deps.exec(gpg, ['--batch', '--no-tty', '--homedir', home, '--with-colons', '--show-keys'], { input: key })
    const found = r.exitCode === 0 ? parseGpgFingerprints(r.stdout) : []
    const expected = normalizeFingerprint(repo.fingerprint)
    if (!found.includes(expected)) {
      throw mismatch(repo, `the key for repository ${repo.name} has fingerprint ${found.join(', ') || '(none: gpg could not read it)'}, expected ${expected}; nothing was added`, 'the key URL serves a different key than the plugin declares (rotated upstream key, wrong mirror, or tampering); update the plugin only after checking the new fingerprint with the vendor')
    }
    return key
  } finally {
    await deps.fs.remove(home)
  }
}

/** apk keys are RSA PEM files; their fingerprint here is the SHA-1 of the DER SubjectPublicKeyInfo. */
export function apkKeyFingerprint(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' })
  return createHash('sha1').update(der).digest('hex').toUpperCase()
}

export async function fetchCheckedApkKey(repo: RepositorySpec, deps: PmDeps): Promise<string> {
  const key = await deps.http.text(repo.keyUrl)
  let fpr: string
  try {
    fpr = apkKeyFingerprint(key)
  } catch {
    throw mismatch(repo, 'the downloaded key is not a PEM public key', 'apk keys are RSA public keys in PEM form (*.rsa.pub)')
  }
  if (fpr !== normalizeFingerprint(repo.fingerprint)) {
    throw mismatch(repo, `the key for repository ${repo.name} has fingerprint ${fpr}, expected ${normalizeFingerprint(repo.fingerprint)}; nothing was added`, 'the key URL serves a different key than the plugin declares; check the new key with the vendor before updating the plugin')
  }
  return key
}
