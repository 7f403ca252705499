import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { ERROR_CODES, RunnerError, redactUrl } from './errors.js'

test('docs/errors.md documents exactly the codes the code can throw', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1])
  expect(documented.sort()).toEqual([...ERROR_CODES].sort())
})

test('render and JSON carry code, where and hint', () => {
  const e = new RunnerError('VERSION_NOT_FOUND', 'no release matches', { where: 'terraform@1.99 (argument)', hint: 'nearest: 1.9.8' })
  expect(e.render()).toBe('error VERSION_NOT_FOUND: terraform@1.99 (argument): no release matches\n  hint: nearest: 1.9.8')
  expect(e.toJSON()).toEqual({ error: { code: 'VERSION_NOT_FOUND', message: 'no release matches', where: 'terraform@1.99 (argument)', hint: 'nearest: 1.9.8' } })
})

test('credentials in URLs are redacted', () => {
  expect(redactUrl('https://bob:hunter2@mirror.example/x and http://tok@h/y')).toBe('https://***@mirror.example/x and http://***@h/y')
})
