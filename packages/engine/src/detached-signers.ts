import { RunnerError, artifactsFor, isRunnerError, redactUrl, type Artifact, type Feature, type FeatureContext, type Logger, type PluginRef, type RemoteVersion, type TargetPlatform } from '@runner-features/core'
import { detachedSigner, formatFingerprint, readKeyFiles, readPublicKeys, type FeatureHttp } from '@runner-features/installer'
import { signatureRule, type SignatureTrust } from './signatures.js'

/** One locked artifact as the plan has it: the URL and who signed it when the lock was written. */
export interface LockedSigned {
  url: string
  signedBy?: string
}

/**
 * A locked install of artifacts the upstream signs over their own bytes (aws-cli's `<zip>.sig`,
 * the plugin's `detachedSignature`): before any download, each signature file must still be made by
 * the key the lock recorded in `signedBy`, else `SIGNATURE_DOWNGRADE` (now unsigned, or signed by
 * another key, trusted or not) — as checksum-file signers are checked by `checkSignatures`. The
 * bytes themselves are pinned by the lock's sha256, which was taken from bytes this very signature
 * verified when the lock was written, so no second download is needed to check them. Features whose
 * upstream signs checksum files (a `signature` rule) are left to `checkSignatures`.
 */
export async function checkLockedDetachedSigners(o: {
  ref: PluginRef; feature: Feature; version: RemoteVersion; platform: TargetPlatform; ctx: FeatureContext; http: FeatureHttp
  trust: SignatureTrust; logger: Logger; where: string; locked: readonly LockedSigned[]
}): Promise<void> {
  const wanted = o.locked.filter((l) => l.signedBy)
  if (!wanted.length || signatureRule(o.ref)) return
  if (o.trust.skip) {
    o.logger.warn(`${o.where}: signatures NOT checked (--insecure-skip-signatures / RUNNER_FEATURES_SKIP_SIGNATURES=1); only the lock's sha256 protects this install`)
    return
  }
  // The plugin says where each signature lies and which keys it ships (no request for aws-cli).
  const current = await artifactsFor(o.feature, o.version, o.platform, o.ctx)
  const extra = await readKeyFiles(o.trust.extraKeyFiles)
  for (const l of wanted) {
    const sig = matching(current, l.url)?.detachedSignature
    if (!sig) throw downgrade(l, o.where, 'is no longer signed: the plugin names no signature for it')
    const bytes = await o.http.bytes(sig.url).catch((err: unknown) => {
      if (isRunnerError(err) && [404, 410].includes(err.details?.status as number)) throw downgrade(l, o.where, `is now unsigned: ${redactUrl(o.http.resolve(sig.url))} does not exist`, err)
      throw err
    })
    const keys = [...(await readPublicKeys(sig.keys, sig.keysSource)), ...extra]
    const signer = await detachedSigner({ signature: bytes, file: redactUrl(l.url), signatureFile: redactUrl(o.http.resolve(sig.url)), keys }).catch((err: unknown) => {
      if (isRunnerError(err) && err.code === 'SIGNATURE_INVALID' && err.details?.found) throw downgrade(l, o.where, `is now signed by key ${String(err.details.found)}`, err)
      throw err
    })
    if (signer !== l.signedBy) throw downgrade(l, o.where, `is now signed by ${formatFingerprint(signer)}`)
  }
}

/** The plugin's artifact for a locked URL: the same URL, else the same file name (a mirror may have rewritten the host). */
function matching(artifacts: readonly Artifact[], url: string): Artifact | undefined {
  const name = (u: string) => new URL(u).pathname.split('/').pop()
  return artifacts.find((a) => a.url === url) ?? artifacts.find((a) => name(a.url) === name(url))
}

function downgrade(l: LockedSigned, where: string, now: string, cause?: unknown): RunnerError {
  return new RunnerError('SIGNATURE_DOWNGRADE', `the lock says ${formatFingerprint(l.signedBy!)} signed ${redactUrl(l.url)}; it ${now}`, {
    where: `${where} (${redactUrl(l.url)})`,
    hint: 'a locked install never accepts a weaker or different signer; if the upstream really changed its key, run `runner features lock` and review the change; nothing was downloaded',
    ...(cause ? { cause } : {}),
  })
}
