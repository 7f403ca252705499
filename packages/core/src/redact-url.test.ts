import { expect, test } from 'vitest'
import { RunnerError } from './errors.js'
import { parseMirrorFlags, rebaseUrl } from './mirror.js'
import { redactUrl } from './redact-url.js'

// Each secret below must vanish from the output; the host and path must stay.
test.each([
  ['plain', 'https://user:secret@mirror.example/nodejs/', 'https://***@mirror.example/nodejs/', 'secret'],
  ['raw @ in the password', 'https://user:p@ss@mirror.example/nodejs/', 'https://***@mirror.example/nodejs/', 'ss@'],
  ['several @', 'https://ci@corp:a@b@c@mirror.example/x', 'https://***@mirror.example/x', 'a@b'],
  ['percent-encoded @ and :', 'https://user:p%40ss%3Aw@mirror.example/', 'https://***@mirror.example/', 'p%40ss'],
  ['raw : in the password', 'https://user:pa:ss@mirror.example:8443/a', 'https://***@mirror.example:8443/a', 'pa:ss'],
  ['raw / in the password', 'https://user:pa/ss@mirror.example/a', 'https://***@mirror.example/a', 'ss'],
  ['raw # in the password', 'https://user:pa#ss@mirror.example/a', 'https://***@mirror.example/a', 'ss'],
  ['raw ? in the password', 'http://user:pa?ss@mirror.example/a', 'http://***@mirror.example/a', 'ss'],
  ['raw % in the password', 'https://user:100%zz@mirror.example/', 'https://***@mirror.example/', '100%'],
  ['unicode password', 'https://jürgen:pässwörd€@mirror.example/', 'https://***@mirror.example/', 'pässwörd'],
  ['token only', 'https://ghp_abcdef@mirror.example/', 'https://***@mirror.example/', 'ghp_'],
  ['no credentials', 'https://mirror.example/nodejs/index.json', 'https://mirror.example/nodejs/index.json', undefined],
  ['npm scoped path', 'https://registry.npmjs.org/@types/node', 'https://registry.npmjs.org/@types/node', undefined],
  ['port then scoped path', 'http://127.0.0.1:4873/@scope/pkg/-/pkg-1.0.0.tgz', 'http://127.0.0.1:4873/@scope/pkg/-/pkg-1.0.0.tgz', undefined],
  ['ipv6 host', 'http://[::1]:8080/a@b', 'http://[::1]:8080/a@b', undefined],
  ['two URLs in a message', 'from https://a:x@one.example/ to http://b:y@two.example/z', 'from https://***@one.example/ to http://***@two.example/z', ':x@'],
])('redactUrl: %s', (_name, input, expected, secret) => {
  const out = redactUrl(input)
  expect(out).toBe(expected)
  if (secret) expect(out).not.toContain(secret)
})

test('a password with @ is fully hidden in an INVALID_MIRROR message and its where', () => {
  let error: RunnerError | undefined
  try {
    parseMirrorFlags(['nodejs=https://user:pa/s@s#w@mirror.example/'])
  } catch (err) {
    error = err as RunnerError
  }
  expect(error?.code).toBe('INVALID_MIRROR')
  const rendered = error!.render()
  expect(rendered).not.toMatch(/pa\/|s@s|#w/)
  expect(rendered).toContain('***@mirror.example')
})

test('a MIRROR_ESCAPE for a URL with an @ in its password shows no part of the password', () => {
  const escape = () => rebaseUrl('https://u:se@cret@elsewhere.example/x', 'https://upstream.example/', 'https://mirror.example/')
  expect(escape).toThrow(expect.objectContaining({ code: 'MIRROR_ESCAPE', where: 'https://***@elsewhere.example/x' }))
  try {
    escape()
  } catch (err) {
    expect((err as RunnerError).render()).not.toContain('cret')
  }
})
