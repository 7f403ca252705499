import { delimiter, dirname, isAbsolute, join } from 'node:path'
import { RunnerError, isRunnerError, parseSha256Sums, redactUrl, type Artifact, type Env, type Logger, type PluginRef, type SignatureDeclaration } from '@runner-features/core'
import { HASHICORP_RELEASE_KEY, checksumFileBytes, formatFingerprint, readKeyFiles, readPublicKeys, verifyChecksumSignature, type FeatureHttp, type TrustedKey, type VerifiedChecksums } from '@runner-features/installer'

/**
 * What this runner trusts beyond the plugins' own keys, and whether checks are off.
 * Built from `RUNNER_FEATURES_TRUSTED_KEYS` (paths separated by `:`), the team config's
 * `trustedKeys:` (relative to the config file) and `RUNNER_FEATURES_SKIP_SIGNATURES=1`
 * (`--insecure-skip-signatures` sets it).
 */
export interface SignatureTrust {
  extraKeyFiles: string[]
  skip: boolean
}

export function signatureTrust(env: Env, config?: { file: string; trustedKeys?: readonly string[] }): SignatureTrust {
  const fromEnv = (env.RUNNER_FEATURES_TRUSTED_KEYS ?? '').split(delimiter).filter(Boolean)
  const fromConfig = config ? (config.trustedKeys ?? []).map((p) => (isAbsolute(p) ? p : join(dirname(config.file), p))) : []
  return { extraKeyFiles: [...fromEnv, ...fromConfig], skip: env.RUNNER_FEATURES_SKIP_SIGNATURES === '1' || env.RUNNER_FEATURES_SKIP_SIGNATURES === 'true' }
}

/** The `hashicorp` source's built-in rule: `<product>_<v>_SHA256SUMS.72D7468F.sig`, else `.sig`. */
const HASHICORP: SignatureDeclaration = { suffixes: ['.72D7468F.sig', '.sig'], keys: [] }

/** How a plugin's upstream signs, or undefined when it does not (its checksums alone are checked). */
export function signatureRule(ref: PluginRef): SignatureDeclaration | undefined {
  return ref.manifest.signature ?? (ref.manifest.source?.type === 'hashicorp' ? HASHICORP : undefined)
}

const keyCache = new Map<string, Promise<TrustedKey[]>>()
function cachedKeys(id: string, load: () => Promise<TrustedKey[]>): Promise<TrustedKey[]> {
  let p = keyCache.get(id)
  if (!p) {
    p = load()
    p.catch(() => keyCache.delete(id))
    keyCache.set(id, p)
  }
  return p
}

async function keysFor(ref: PluginRef, rule: SignatureDeclaration, trust: SignatureTrust): Promise<TrustedKey[]> {
  const own = rule === HASHICORP
    ? await cachedKeys('builtin:hashicorp', () => readPublicKeys(HASHICORP_RELEASE_KEY, 'HashiCorp release key (built in)'))
    : await cachedKeys(`${ref.dir}\0${rule.keys.join('\0')}`, () => readKeyFiles(rule.keys.map((k) => join(ref.dir, k))))
  const extra = await cachedKeys(trust.extraKeyFiles.join('\0'), () => readKeyFiles(trust.extraKeyFiles))
  return [...own, ...extra]
}

/** Checksum files verified in this run, per HTTP context (a lock over four platforms reads one file once). */
const verified = new WeakMap<FeatureHttp, Map<string, Promise<VerifiedChecksums>>>()

async function fetchSignature(http: FeatureHttp, checksumUrl: string, suffixes: readonly string[]): Promise<{ url: string; bytes: Buffer }> {
  for (const suffix of suffixes) {
    const url = checksumUrl + suffix
    try {
      // Through the index cache, so `--offline` finds the signature a previous run verified.
      return { url, bytes: await http.bytes(url) }
    } catch (err) {
      const status = isRunnerError(err) ? (err.details?.status as number | undefined) : undefined
      if (status !== 404 && status !== 410) throw err
    }
  }
  const tried = suffixes.map((s) => redactUrl(http.resolve(checksumUrl + s))).join(', ')
  throw new RunnerError('SIGNATURE_MISSING', `${redactUrl(http.resolve(checksumUrl))} is not signed: ${tried} ${suffixes.length > 1 ? 'do' : 'does'} not exist`, {
    where: redactUrl(checksumUrl),
    hint: 'the upstream signs its checksum files, so a mirror must serve the signature next to each one (or re-sign them and add its key with RUNNER_FEATURES_TRUSTED_KEYS / trustedKeys:); nothing was downloaded',
  })
}

async function verifyOnce(http: FeatureHttp, checksumUrl: string, rule: SignatureDeclaration, keys: () => Promise<TrustedKey[]>): Promise<VerifiedChecksums> {
  let byUrl = verified.get(http)
  if (!byUrl) verified.set(http, (byUrl = new Map()))
  let p = byUrl.get(checksumUrl)
  if (!p) {
    p = (async () => {
      const signature = await fetchSignature(http, checksumUrl, rule.suffixes)
      // The exact bytes the signature covers (a file that is not UTF-8 verifies too); the checksum
      // lookup below parses the text the verification returns.
      const bytes = await checksumFileBytes(http, checksumUrl)
      return verifyChecksumSignature({ bytes, signature: signature.bytes, file: redactUrl(http.resolve(checksumUrl)), signatureFile: redactUrl(http.resolve(signature.url)), keys: await keys() })
    })()
    p.catch(() => byUrl.delete(checksumUrl))
    byUrl.set(checksumUrl, p)
  }
  return p
}

function fileNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '')
}

/** One artifact to check: its canonical checksum file URL and, from a lock, who signed it then. */
export interface SignedArtifact {
  /** `signedBy`: who signed the artifact's own bytes, when its digest was pinned from a detached signature (pin-digests). */
  artifact: Pick<Artifact, 'url' | 'sha256'> & { signedBy?: string }
  checksumSource?: string
  /** The artifact comes from the lock (its sha256 is pinned there). */
  locked?: boolean
  lockedSigner?: string
}

/**
 * Verifies the signature of every artifact's checksum file before anything is downloaded, and that
 * each sha256 is the one the *signed* file lists for its file name (so a plugin cannot take a
 * checksum from anywhere else). Returns, per artifact, the fingerprint that signed it (undefined
 * when the upstream does not sign or checks are skipped; for an upstream that signs the artifact
 * itself, the signer pin-digests verified). Locked artifacts whose lock names a
 * signer fail `SIGNATURE_DOWNGRADE` when the file is now unsigned or signed by another key.
 */
export async function checkSignatures(o: { ref: PluginRef; http: FeatureHttp; trust: SignatureTrust; logger: Logger; where: string; artifacts: readonly SignedArtifact[] }): Promise<(string | undefined)[]> {
  const rule = signatureRule(o.ref)
  // No checksum-file signatures: the signer of a detached signature verified when pinning, if any.
  if (!rule) return o.artifacts.map((a) => a.artifact.signedBy)
  if (o.trust.skip) {
    o.logger.warn(`${o.where}: signatures NOT checked (--insecure-skip-signatures / RUNNER_FEATURES_SKIP_SIGNATURES=1); only the sha256 from an unsigned checksum file protects this install`)
    return o.artifacts.map(() => undefined)
  }
  const keys = () => keysFor(o.ref, rule, o.trust)
  return Promise.all(o.artifacts.map(async ({ artifact, checksumSource, lockedSigner, locked }) => {
    if (!checksumSource) {
      throw new RunnerError('SIGNATURE_MISSING', `no checksum file is known for ${redactUrl(artifact.url)}, so its signature cannot be checked`, { where: o.where, hint: 'relock with `runner features lock` so the lock records the checksum file' })
    }
    let result: VerifiedChecksums
    try {
      result = await verifyOnce(o.http, checksumSource, rule, keys)
    } catch (err) {
      // Unsigned now, or signed by a key that is not trusted: a downgrade. A trusted key's signature
      // that does not verify stays SIGNATURE_INVALID (the file was changed after signing).
      if (lockedSigner && isRunnerError(err) && (err.code === 'SIGNATURE_MISSING' || (err.code === 'SIGNATURE_INVALID' && err.details?.found && !err.details?.signer))) throw downgrade(checksumSource, lockedSigner, err.code === 'SIGNATURE_MISSING' ? 'is now unsigned' : `is now signed by key ${String(err.details?.found)}`, err)
      throw err
    }
    if (lockedSigner && lockedSigner !== result.fingerprint) throw downgrade(checksumSource, lockedSigner, `is now signed by ${formatFingerprint(result.fingerprint)}`)
    // A locked sha256 is compared with the (signed) upstream file by the drift policy at download
    // time, where the lock wins with a warning; only a plugin's fresh sha256 must be the signed one.
    if (locked) return result.fingerprint
    const name = fileNameOf(artifact.url)
    const listed = parseSha256Sums(result.signedText, redactUrl(checksumSource)).get(name)
    if (listed !== artifact.sha256.toLowerCase()) {
      throw new RunnerError('SIGNATURE_INVALID', `the signed checksum file lists ${listed ?? 'no sha256'} for ${name}, but the install would use ${artifact.sha256}`, {
        where: redactUrl(checksumSource), hint: 'the plugin took its checksum from somewhere other than the signed file, or the file changed between reads; nothing was downloaded',
      })
    }
    return result.fingerprint
  }))
}

function downgrade(checksumSource: string, lockedSigner: string, now: string, cause?: unknown): RunnerError {
  return new RunnerError('SIGNATURE_DOWNGRADE', `the lock says ${formatFingerprint(lockedSigner)} signed this checksum file; it ${now}`, {
    where: redactUrl(checksumSource),
    hint: 'a locked install never accepts a weaker or different signer; if the upstream really changed its key, run `runner features lock` and review the change; nothing was downloaded',
    ...(cause ? { cause } : {}),
  })
}
