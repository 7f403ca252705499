import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { sendRequest } from './request.js'

// Two local servers: one plays the GitHub API (GITHUB_API_URL points at it), the other any other
// host (a mirror, a download host). The token must reach only the first.
const seen: { host: string; path: string; headers: IncomingHttpHeaders }[] = []
const servers = ['api', 'other'].map((host) => createServer((req, res) => {
  seen.push({ host, path: req.url ?? '', headers: req.headers })
  if (req.url === '/api/v3/redirect') return void res.writeHead(302, { location: `${urls.other}elsewhere` }).end()
  res.writeHead(200, { 'content-length': 2 }).end('[]')
}))
const urls = { api: '', other: '' }

beforeAll(async () => {
  for (const [i, key] of (['api', 'other'] as const).entries()) {
    await new Promise<void>((ok) => servers[i]!.listen(0, '127.0.0.1', ok))
    urls[key] = `http://127.0.0.1:${(servers[i]!.address() as AddressInfo).port}/`
  }
})
afterAll(() => servers.forEach((s) => s.close()))

async function get(url: string, env: Record<string, string>) {
  const { res } = await sendRequest(url, { method: 'GET', env, timeoutMs: 5_000 })
  res.resume()
  await new Promise((ok) => res.once('end', ok))
}

test('GITHUB_TOKEN is sent to the configured GitHub API and nowhere else, not even after a redirect', async () => {
  const env = { GITHUB_TOKEN: 'ghs_test_token', GITHUB_API_URL: `${urls.api}api/v3` }
  seen.splice(0)
  await get(`${urls.api}api/v3/repos/jqlang/jq/releases?per_page=100&page=1`, env)
  await get(`${urls.other}jq/api/releases`, env)
  await get(`${urls.api}not-the-api/file`, env)
  await get(`${urls.api}api/v3/redirect`, env)
  expect(seen.map((s) => [s.host, s.path, s.headers.authorization])).toEqual([
    ['api', '/api/v3/repos/jqlang/jq/releases?per_page=100&page=1', 'Bearer ghs_test_token'],
    ['other', '/jq/api/releases', undefined],
    ['api', '/not-the-api/file', undefined],
    ['api', '/api/v3/redirect', 'Bearer ghs_test_token'],
    ['other', '/elsewhere', undefined],
  ])
})

test('without GITHUB_TOKEN nothing is added', async () => {
  seen.splice(0)
  await get(`${urls.api}api/v3/repos/x/y/releases`, { GITHUB_API_URL: `${urls.api}api/v3` })
  expect(seen[0]!.headers.authorization).toBeUndefined()
})
