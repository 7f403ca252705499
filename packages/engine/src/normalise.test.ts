import { expect, test } from 'vitest'
import { RunnerError } from '@runner-features/core'
import { REPORT_HINT, normaliseError } from './normalise.js'

test('coded errors pass through untouched', () => {
  const e = new RunnerError('CHECKSUM_MISMATCH', 'bad bytes')
  expect(normaliseError(e)).toBe(e)
})

test('an unexpected error keeps its cause, class and message, with credentials redacted and a hint to report it', () => {
  const cause = new TypeError('fetch https://user:s3cr@t@mirror.example/x failed')
  const e = normaliseError(cause, 'nodejs@20')
  expect(e).toMatchObject({ code: 'INTERNAL_ERROR', where: 'nodejs@20', hint: REPORT_HINT })
  expect(e.message).toBe('unexpected error: TypeError: fetch https://***@mirror.example/x failed')
  expect(e.cause).toBe(cause)
  expect(e.render()).not.toContain('s3cr')
  expect(normaliseError('a string was thrown').message).toBe('unexpected error: a string was thrown')
})

test.each([
  ['ENOSPC', 'DISK_FULL', 'no space left on the device while writing /var/cache/x.part'],
  ['EACCES', 'PERMISSION_DENIED', 'may not write /var/cache/x.part (EACCES on open)'],
  ['EPERM', 'PERMISSION_DENIED', 'may not write /var/cache/x.part (EPERM on open)'],
  ['EROFS', 'PERMISSION_DENIED', 'may not write /var/cache/x.part (EROFS on open)'],
])('raw %s becomes %s naming the path', (code, expected, message) => {
  const raw = Object.assign(new Error(`${code}: something, open '/var/cache/x.part'`), { code, path: '/var/cache/x.part', syscall: 'open' })
  const e = normaliseError(raw)
  expect(e.code).toBe(expected)
  expect(e.where).toBe('/var/cache/x.part')
  expect(e.message).toContain(message)
  expect(e.hint).toBeTruthy()
  // Found through a wrapper's cause too.
  expect(normaliseError(new Error('write failed', { cause: raw })).code).toBe(expected)
})

test('an abort whose reason is coded reports that reason', () => {
  const reason = new RunnerError('INTERRUPTED', 'interrupted')
  expect(normaliseError(Object.assign(new Error('aborted'), { name: 'AbortError', cause: reason }))).toBe(reason)
})
