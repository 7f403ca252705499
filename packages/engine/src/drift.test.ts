import { expect, test } from 'vitest'
import { RunnerError } from '@runner-features/core'
import { driftWarnings, explainLockedMismatch, upstreamChecksums } from './drift.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const locked = [{ url: 'https://x.example/1.0.tar.gz', sha256: A }]

test('upstream agreeing with the lock warns nothing; a changed upstream checksum warns and names both', () => {
  expect(driftWarnings('x@1.0', locked, upstreamChecksums([{ url: locked[0]!.url, sha256: A.toUpperCase() }]))).toEqual([])
  expect(driftWarnings('x@1.0', locked, new Map())).toEqual([])
  expect(driftWarnings('x@1.0', locked, upstreamChecksums([{ url: locked[0]!.url, sha256: B }]))).toEqual([
    `x@1.0: the upstream checksum file now says sha256 ${B}, the lock says ${A}; verifying against the lock`,
  ])
})

test('a mismatch against the lock says which side moved', () => {
  const mismatch = new RunnerError('CHECKSUM_MISMATCH', 'sha256 of x-1.0.tar.gz is ccc', { where: 'https://mirror/x-1.0.tar.gz', details: { expected: A } })
  const republished = explainLockedMismatch(mismatch, locked, new Map([[locked[0]!.url, B]])) as RunnerError
  expect(republished.message).toBe(`sha256 of x-1.0.tar.gz is ccc; the lock pins sha256 ${A}, the upstream checksum file says ${B}`)
  expect(republished.hint).toContain('upstream re-published this version')
  expect(republished.details).toEqual({ lockSha256: A, upstreamSha256: B })
  const tampered = explainLockedMismatch(mismatch, locked, new Map([[locked[0]!.url, A]])) as RunnerError
  expect(tampered.hint).toContain('the mirror or network served different bytes')
  const other = new RunnerError('DOWNLOAD_FAILED', 'HTTP 503')
  expect(explainLockedMismatch(other, locked, new Map())).toBe(other)
})
