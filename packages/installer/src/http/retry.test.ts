import { expect, test } from 'vitest'
import { isRetryableError, isRetryableStatus, parseRetryAfter, retryDelay, TransientHttpError } from './retry.js'

test.each([
  [408, true], [425, true], [429, true], [500, true], [502, true], [503, true], [504, true], [599, true],
  [400, false], [401, false], [403, false], [404, false], [416, false], [501, false], [505, false],
])('HTTP %i is retried: %s', (status, retried) => {
  expect(isRetryableStatus(status)).toBe(retried)
})

test.each([
  ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
  ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), true],
  ['EPIPE', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), true],
  ['socket hang up', new Error('socket hang up'), true],
  ['stall', new TransientHttpError('stalled: no data for 10 ms'), true],
  ['DNS name not found', Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }), false],
  ['bad certificate', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), false],
])('%s is retried: %s', (_name, err, retried) => {
  expect(isRetryableError(err)).toBe(retried)
})

test.each([
  ['delta seconds', '120', 120_000],
  ['zero', '0', 0],
  ['HTTP date 30 s ahead', 'Wed, 21 Oct 2026 07:28:30 GMT', 30_000],
  ['HTTP date in the past', 'Wed, 21 Oct 2026 07:27:00 GMT', 0],
  ['garbage', 'soon', undefined],
  ['absent', undefined, undefined],
])('Retry-After %s', (_name, header, expected) => {
  expect(parseRetryAfter(header, Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(expected)
})

test('Retry-After wins over the backoff but never beyond the cap', () => {
  const policy = { baseMs: 100, maxDelayMs: 5_000 }
  expect(retryDelay(1, policy, 2_000)).toBe(2_000)
  expect(retryDelay(1, policy, 120_000)).toBe(5_000)
})

test('full jitter: a uniform pick below base·2^(attempt-1), capped', () => {
  const policy = { baseMs: 100, maxDelayMs: 1_000 }
  const top = () => 0.999_999
  expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelay(attempt, policy, undefined, top))).toEqual([99, 199, 399, 799, 999, 999])
  expect(retryDelay(3, policy, undefined, () => 0)).toBe(0)
  expect(retryDelay(3, policy, undefined, () => 0.5)).toBe(200)
})
