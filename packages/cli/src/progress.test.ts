import { expect, test } from 'vitest'
import { createProgress } from './progress.js'

function fakeStream(isTTY: boolean) {
  const out: string[] = []
  return { out, stream: { isTTY, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream }
}

test('on a TTY: a live bar per download, cleared at the end', () => {
  const { out, stream } = fakeStream(true)
  const p = createProgress(stream, {})
  p.start('nodejs', '20.20.2', 'http://mirror/')
  p.update('nodejs', { received: 20 * 2 ** 20, total: 40 * 2 ** 20 })
  p.update('nodejs', { received: 40 * 2 ** 20, total: 40 * 2 ** 20 })
  p.done()
  expect(out.join('')).toContain('nodejs [##########----------] 50% 20.0 MB/40.0 MB')
  expect(out.join('')).toContain('nodejs [####################] 100% 40.0 MB/40.0 MB')
  expect(out.at(-1)).toBe('\r\x1b[K')
})

test('not a TTY (CI logs): one plain line per install, no control characters', () => {
  const { out, stream } = fakeStream(false)
  const p = createProgress(stream)
  p.start('terraform', '1.5.0', 'http://mirror/hashicorp/')
  p.update('terraform', { received: 10, total: 20 })
  p.done()
  expect(out).toEqual(['terraform: installing 1.5.0 from http://mirror/hashicorp/\n'])
})

test.each([{ NO_COLOR: '1' }, { TERM: 'dumb' }])('a TTY with %o: plain lines, no ANSI or carriage returns', (env) => {
  const { out, stream } = fakeStream(true)
  const p = createProgress(stream, env)
  p.start('nodejs', '20.20.2', 'http://mirror/')
  p.update('nodejs', { received: 20, total: 40 })
  p.done()
  expect(out.join('')).toBe('nodejs: installing 20.20.2 from http://mirror/\n')
  expect(out.join('')).not.toMatch(/[\r\x1b]/)
})

test('not a TTY, a long download: a progress line now and then (here: every update), none at the end', () => {
  const { out, stream } = fakeStream(false)
  const p = createProgress(stream, {}, -1)
  p.start('cuda', '12.4.1', 'http://mirror/')
  p.update('cuda', { received: 512 * 2 ** 20, total: 2048 * 2 ** 20 })
  p.update('cuda', { received: 3 * 2 ** 20 })
  p.update('cuda', { received: 2048 * 2 ** 20, total: 2048 * 2 ** 20 })
  expect(out.slice(1)).toEqual(['cuda: 25% 512.0 MB of 2048.0 MB downloaded\n', 'cuda: 3.0 MB downloaded\n'])
})
