import { afterEach, expect, test } from 'vitest'
import { FeatureHttp } from '../http.js'
import { loopback, recordingLogger, type Loopback } from '../testing/loopback-server.js'

const servers: Loopback[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
async function serve(...args: Parameters<typeof loopback>): Promise<Loopback> {
  const server = await loopback(...args)
  servers.push(server)
  return server
}
function client(mirror: string) {
  return new FeatureHttp({ upstream: 'https://tool.example/', mirror, logger: recordingLogger(), env: {}, retries: 0 })
}

test.each([301, 302, 303, 307, 308])('HTTP %i with a relative Location is followed', async (status) => {
  const server = await serve((req, res) => {
    if (req.url === '/old/file') return void res.writeHead(status, { location: '../new/file' }).end()
    res.end(`served ${req.url}`)
  })
  expect(await client(server.url).text('https://tool.example/old/file')).toBe('served /new/file')
  expect(server.requests.map((r) => r.url)).toEqual(['/old/file', '/new/file'])
})

test('at most 10 redirects, then DOWNLOAD_FAILED', async () => {
  const server = await serve((req, res) => void res.writeHead(302, { location: `/hop${Number(/\d+/.exec(req.url ?? '')?.[0] ?? 0) + 1}` }).end())
  await expect(client(server.url).text('https://tool.example/hop0')).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: 'more than 10 redirects' })
  expect(server.requests).toHaveLength(11)
})

test('credentials go to the mirror only: a redirect to another host drops Authorization', async () => {
  // 127.0.0.1 and localhost are different hosts to the client, both on loopback.
  const storage = await serve((_req, res) => void res.end('artifact'), 'localhost')
  const mirror = await serve((_req, res) => void res.writeHead(302, { location: `${storage.url}blob/1` }).end())
  const http = client(mirror.url.replace('http://', 'http://user:p%40ss@'))
  expect(await http.text('https://tool.example/tool.tgz')).toBe('artifact')
  expect(mirror.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`)
  expect(storage.requests[0]!.headers.authorization).toBeUndefined()
})

test('a redirect on the same origin keeps the credentials', async () => {
  const mirror = await serve((req, res) => {
    if (req.url === '/a') return void res.writeHead(307, { location: '/b' }).end()
    res.end('ok')
  })
  await client(mirror.url.replace('http://', 'http://user:pw@')).text('https://tool.example/a')
  expect(mirror.requests.map((r) => r.headers.authorization)).toEqual([`Basic ${Buffer.from('user:pw').toString('base64')}`, `Basic ${Buffer.from('user:pw').toString('base64')}`])
})

test('artifacts are asked for without content encoding (the hashed bytes are the stored bytes)', async () => {
  const server = await serve((_req, res) => void res.end('x'))
  await client(server.url).text('https://tool.example/a')
  expect(server.requests[0]!.headers['accept-encoding']).toBe('identity')
})

test('basic auth is built from the decoded user and password, any character included', async () => {
  const server = await serve((_req, res) => void res.end('x'))
  const user = 'ci@corp'
  const password = 'p@ss:w/rd#100%é'
  await client(server.url.replace('http://', `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@`)).text('https://tool.example/a')
  expect(Buffer.from(server.requests[0]!.headers.authorization!.replace('Basic ', ''), 'base64').toString('utf8')).toBe(`${user}:${password}`)
})

test('size() sends HEAD on the same client, following redirects', async () => {
  const server = await serve((req, res) => {
    if (req.url === '/a') return void res.writeHead(302, { location: '/b' }).end()
    res.writeHead(200, { 'content-length': '1234' }).end()
  })
  expect(await client(server.url).size('https://tool.example/a')).toBe(1234)
  expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /a', 'HEAD /b'])
})

test('size() is undefined for a 404 or an unreachable server', async () => {
  const server = await serve((_req, res) => void res.writeHead(404).end())
  expect(await client(server.url).size('https://tool.example/a')).toBeUndefined()
  await server.close()
  expect(await client(server.url).size('https://tool.example/a')).toBeUndefined()
})

test('size() retries a 503 like a download', async () => {
  const server = await serve((_req, res, n) => void res.writeHead(n === 0 ? 503 : 200, { 'content-length': '77' }).end())
  const http = new FeatureHttp({ upstream: 'https://tool.example/', mirror: server.url, logger: recordingLogger(), env: {}, retries: 2, retryBaseMs: 1, retryMaxDelayMs: 2 })
  expect(await http.size('https://tool.example/a')).toBe(77)
  expect(server.requests).toHaveLength(2)
})
