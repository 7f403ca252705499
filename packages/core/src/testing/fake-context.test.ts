import { expect, test } from 'vitest'
import { z } from 'zod'
import { fakeContext } from './fake-context.js'

test('routes as a function: served when it returns a body, refused (and still recorded) when it returns undefined', async () => {
  const ctx = fakeContext((url) => (url.endsWith('/ok') ? 'body' : undefined))
  await expect(ctx.http.text('https://a/ok')).resolves.toBe('body')
  await expect(ctx.http.text('https://a/other')).rejects.toThrow('unexpected request: https://a/other')
  expect(ctx.requests).toEqual(['https://a/ok', 'https://a/other'])
})

test('json checks the schema as the real client does: a wrong shape is UPSTREAM_FORMAT (code and message)', async () => {
  const ctx = fakeContext({ 'https://a/list.json': '{"message":"API rate limit exceeded"}', 'https://a/ok.json': '["1.0.0"]' })
  await expect(ctx.http.json('https://a/ok.json', z.array(z.string()))).resolves.toEqual(['1.0.0'])
  await expect(ctx.http.json('https://a/list.json', z.array(z.string()))).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT', message: expect.stringMatching(/^UPSTREAM_FORMAT: /) })
  await expect(ctx.http.json('https://a/list.json')).resolves.toEqual({ message: 'API rate limit exceeded' })
})

test('the platform defaults to linux x64 glibc and takes overrides; processes are refused', async () => {
  expect(fakeContext({}).platform).toMatchObject({ os: 'linux', arch: 'x64', libc: 'glibc' })
  expect(fakeContext({}, { arch: 'arm64', libc: 'musl' }).platform).toMatchObject({ os: 'linux', arch: 'arm64', libc: 'musl' })
  await expect(fakeContext({}).exec('true', [])).rejects.toThrow('must not run processes')
})
