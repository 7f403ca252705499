import { describe, expect, it, vi } from 'vitest'
import { RunnerError, type Artifact, type Feature, type FeatureContext, type PluginRef } from '@runner-features/core'
import type { FeatureHttp } from '@runner-features/installer'
import { checkLockedDetachedSigners } from './detached-signers.js'

// The branches decided before any key is read; the signer comparison itself runs end to end in
// plugins/aws-cli/test/signer-downgrade.e2e.test.ts (a real signature, a second trusted key).
const URL_ = 'https://awscli.amazonaws.com/awscli-exe-linux-x86_64-2.0.0.zip'
const FP = 'A'.repeat(40)
const ref = (signature?: object) => ({ name: '@runner-features/aws-cli', version: '1.0.0', dir: '/p', origin: 'bundled', manifest: { id: 'aws-cli', upstream: 'https://awscli.amazonaws.com/', ...(signature ? { signature } : {}) } }) as unknown as PluginRef
const feature = (artifact: Partial<Artifact>) => ({ id: 'aws-cli', artifacts: async () => [{ url: URL_, sha256: '', archive: 'zip', strip: 0, ...artifact }] }) as unknown as Feature
const signed = { detachedSignature: { url: `${URL_}.sig`, keys: 'not read before the .sig is fetched', keysSource: 'plugin key' } }
/** A fake HTTP client: the .sig answers with `sig` (a status → that HTTP error); anything else is a test bug. */
const http = (sig: number) => ({
  resolve: (u: string) => u,
  bytes: vi.fn(async (u: string) => {
    if (u !== `${URL_}.sig`) throw new Error(`unexpected request ${u}`)
    throw new RunnerError('DOWNLOAD_FAILED', `HTTP ${sig}`, { details: { status: sig } })
  }),
}) as unknown as FeatureHttp & { bytes: ReturnType<typeof vi.fn> }
const run = (o: { plugin?: PluginRef; feature?: Feature; http?: FeatureHttp; skip?: boolean; signedBy?: string; warn?: (m: string) => void }) => checkLockedDetachedSigners({
  ref: o.plugin ?? ref(), feature: o.feature ?? feature(signed), version: { version: '2.0.0' }, platform: { os: 'linux', arch: 'x64', libc: 'glibc' },
  ctx: {} as FeatureContext, http: o.http ?? http(404), trust: { extraKeyFiles: [], skip: o.skip ?? false },
  logger: { info() {}, debug() {}, warn: o.warn ?? (() => {}) }, where: 'aws-cli@2.0.0', locked: [{ url: URL_, signedBy: o.signedBy }],
})

describe('checkLockedDetachedSigners', () => {
  it('asks nothing when the lock names no signer, or when the plugin signs checksum files (checkSignatures does)', async () => {
    const h = http(404)
    await run({ http: h })
    await run({ http: h, signedBy: FP, plugin: ref({ suffixes: ['.sig'], keys: [] }) })
    expect(h.bytes).not.toHaveBeenCalled()
  })
  it.each([404, 410])('a .sig that is gone (HTTP %i) is SIGNATURE_DOWNGRADE "now unsigned", naming the locked key', async (status) => {
    await expect(run({ http: http(status), signedBy: FP })).rejects.toMatchObject({
      code: 'SIGNATURE_DOWNGRADE', where: `aws-cli@2.0.0 (${URL_})`, message: expect.stringMatching(/^the lock says AAAA AAAA .* signed .*; it is now unsigned/),
    })
  })
  it('other HTTP failures stay what they are (a server error is not a downgrade)', async () => {
    await expect(run({ http: http(503), signedBy: FP })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' })
  })
  it('a plugin that no longer names a signature for the artifact is a downgrade too', async () => {
    await expect(run({ feature: feature({}), signedBy: FP })).rejects.toMatchObject({ code: 'SIGNATURE_DOWNGRADE', message: expect.stringContaining('the plugin names no signature') })
  })
  it('--insecure-skip-signatures: warns and asks nothing', async () => {
    const h = http(404)
    const warn = vi.fn()
    await run({ http: h, signedBy: FP, skip: true, warn })
    expect(h.bytes).not.toHaveBeenCalled()
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('signatures NOT checked'))
  })
})
