import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { expect, test } from 'vitest'
import type { Artifact } from '@runner-features/core'
import { expandSmokeExpect, expectedSha256 } from '@runner-features/installer'
import { pinSignedDigests, pinUnpublishedDigests } from './pin-digests.js'

const zip = Buffer.from('PK\x03\x04 stand-in zip bytes')
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** A fake `open` that serves one URL and records what was asked for. */
function fakeHttp(served: Record<string, Buffer>) {
  const opened: string[] = []
  return {
    opened,
    resolve: (url: string) => url,
    bytes: async (url: string) => served[url] ?? Promise.reject(new Error(`unexpected request ${url}`)),
    open: async (url: string) => {
      opened.push(url)
      const body = served[url]
      if (!body) throw new Error(`unexpected request ${url}`)
      return { body: Readable.from([body.subarray(0, 5), body.subarray(5)]), size: body.length, fetchedFrom: url }
    },
  }
}

const tofu: Artifact = { url: 'https://storage.googleapis.com/cft/1/linux64/chrome-linux64.zip', sha256: '', checksumSource: 'https://example/known-good.json', archive: 'zip', strip: 0, trustOnFirstUse: true }
const published: Artifact = { url: 'https://example/go.tar.gz', sha256: 'a'.repeat(64), checksumSource: 'https://example/list', archive: 'tar.gz', strip: 1 }

test('an artifact without a published digest is downloaded once and pinned with its sha256 and size', async () => {
  const http = fakeHttp({ [tofu.url]: zip })
  const [pinned] = await pinUnpublishedDigests([tofu], http)
  expect(pinned).toMatchObject({ url: tofu.url, sha256: sha(zip), size: zip.length, trustOnFirstUse: true })
  expect(http.opened).toEqual([tofu.url])
})

test('artifacts with a published sha256 are never downloaded at lock time', async () => {
  const http = fakeHttp({})
  expect(await pinUnpublishedDigests([published], http)).toEqual([published])
  expect(http.opened).toEqual([])
})

test('a failed download fails the lock (nothing is pinned from a partial read)', async () => {
  const http = { resolve: (u: string) => u, bytes: async () => Buffer.alloc(0), open: async () => ({ body: Readable.from((async function* () { yield Buffer.from('par'); throw new Error('DOWNLOAD_FAILED') })()), size: 10, fetchedFrom: 'x' }) }
  await expect(pinUnpublishedDigests([tofu], http)).rejects.toThrow('DOWNLOAD_FAILED')
})

test('without a lock, an artifact whose upstream publishes no digest fails closed (the check runs before any request), pointing at `runner features lock`', () => {
  let err: unknown
  try {
    expectedSha256(tofu)
  } catch (e) {
    err = e
  }
  expect(err).toMatchObject({ code: 'CHECKSUM_MISSING', where: tofu.checksumSource, message: expect.stringContaining('publishes no sha256'), hint: expect.stringContaining('runner features lock') })
})

test.each([
  ['Google Chrome for Testing {{major}}.0.{{minor}}.{{patch}}', '138.7204.92', 'Google Chrome for Testing 138.0.7204.92'],
  ['go{{major.minor}}', '1.20.0', 'go1.20'],
  ['v{{version}}', '1.33.9', 'v1.33.9'],
])('smoke expectation %s for %s is %s', (template, version, expected) => {
  expect(expandSmokeExpect(template, version)).toBe(expected)
})

test('an artifact with a detached signature is pinned only when the signature over its bytes verifies', async () => {
  const signed: Artifact = { ...tofu, detachedSignature: { url: `${tofu.url}.sig`, keys: '-----BEGIN PGP PUBLIC KEY BLOCK-----\nbroken\n-----END PGP PUBLIC KEY BLOCK-----', keysSource: 'plugin key' } }
  const http = fakeHttp({ [tofu.url]: zip, [`${tofu.url}.sig`]: Buffer.from('not a signature') })
  // An unreadable shipped key is never "no check": the lock fails.
  await expect(pinUnpublishedDigests([signed], http)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', where: 'plugin key' })
})

test('without a lock only upstream-signed artifacts are pinned: a digest-less unsigned one keeps sha256 "" and nothing is downloaded', async () => {
  const http = fakeHttp({})
  expect(await pinSignedDigests([tofu, published], http)).toEqual([tofu, published])
  expect(http.opened).toEqual([])
})
