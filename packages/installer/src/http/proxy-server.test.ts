import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tls from 'node:tls'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { FeatureHttp } from '../http.js'
import { loopback, recordingLogger, type Loopback } from '../testing/loopback-server.js'

/** A forward proxy on loopback: CONNECT tunnels and absolute-form requests, each one recorded. */
interface Proxy {
  url: string
  seen: { method: string; target: string; auth?: string }[]
  close(): Promise<void>
}

async function startProxy(options: { requireAuth?: string } = {}): Promise<Proxy> {
  const seen: Proxy['seen'] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', target: req.url ?? '', auth: req.headers['proxy-authorization'] })
    if (options.requireAuth && req.headers['proxy-authorization'] !== options.requireAuth) return void res.writeHead(407).end()
    const upstream = request(req.url!, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push({ method: 'CONNECT', target: req.url ?? '', auth: req.headers['proxy-authorization'] })
    if (options.requireAuth && req.headers['proxy-authorization'] !== options.requireAuth) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')
    const [host, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
    sockets.add(upstream)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy()
      server.close(() => r())
    }),
  }
}

let dir: string
let cert: string
let key: string
const defaultCAs = tls.getCACertificates('default')

beforeAll(() => {
  // A throwaway self-signed certificate for localhost, as a corporate CA-signed mirror stands in.
  dir = mkdtempSync(join(tmpdir(), 'proxy-tls-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
  key = readFileSync(join(dir, 'key.pem'), 'utf8')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  tls.setDefaultCACertificates(defaultCAs)
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function origin(): Promise<Loopback> {
  const server = await loopback((req, res) => void res.end(`origin ${req.url}`))
  cleanups.push(() => server.close())
  return server
}

async function proxy(options?: Parameters<typeof startProxy>[0]): Promise<Proxy> {
  const p = await startProxy(options)
  cleanups.push(() => p.close())
  return p
}

function client(mirror: string, env: Record<string, string>) {
  return new FeatureHttp({ upstream: 'https://tool.example/', mirror, logger: recordingLogger(), env, retries: 0 })
}

test('http URLs go through HTTP_PROXY as absolute-form requests', async () => {
  const server = await origin()
  const p = await proxy()
  expect(await client(server.url, { HTTP_PROXY: p.url }).text('https://tool.example/a')).toBe('origin /a')
  expect(p.seen).toEqual([{ method: 'GET', target: `${server.url}a`, auth: undefined }])
})

test('https URLs go through HTTPS_PROXY in a CONNECT tunnel; the trust store (NODE_EXTRA_CA_CERTS) is not overridden', async () => {
  const server = createHttpsServer({ cert, key }, (req, res) => void res.end(`tls origin ${req.url}`))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(() => new Promise<void>((r) => {
    server.closeAllConnections()
    server.close(() => r())
  }))
  const mirror = `https://localhost:${(server.address() as { port: number }).port}/`
  const p = await proxy()

  // Not trusted yet: a coded error that points at NODE_EXTRA_CA_CERTS, no retry.
  await expect(client(mirror, { HTTPS_PROXY: p.url }).text('https://tool.example/a')).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', hint: expect.stringContaining('NODE_EXTRA_CA_CERTS') })

  // What NODE_EXTRA_CA_CERTS does at start-up, done at run time: the client must use the default store.
  tls.setDefaultCACertificates([...defaultCAs, cert])
  expect(await client(mirror, { HTTPS_PROXY: p.url }).text('https://tool.example/b')).toBe('tls origin /b')
  expect(p.seen.map((s) => `${s.method} ${s.target}`)).toEqual([`CONNECT ${new URL(mirror).host}`, `CONNECT ${new URL(mirror).host}`])
})

test('NO_PROXY hosts are fetched directly', async () => {
  const server = await origin()
  const p = await proxy()
  expect(await client(server.url, { HTTP_PROXY: p.url, NO_PROXY: 'example.com,127.0.0.1' }).text('https://tool.example/a')).toBe('origin /a')
  expect(await client(server.url, { HTTP_PROXY: p.url, no_proxy: '*' }).text('https://tool.example/b')).toBe('origin /b')
  expect(p.seen).toEqual([])
})

test('proxy credentials are sent as Proxy-Authorization and never printed', async () => {
  const server = await origin()
  const good = `Basic ${Buffer.from('proxyuser:pr@xy pw').toString('base64')}`
  const p = await proxy({ requireAuth: good })
  const withAuth = p.url.replace('http://', 'http://proxyuser:pr%40xy%20pw@')
  expect(await client(server.url, { HTTP_PROXY: withAuth }).text('https://tool.example/a')).toBe('origin /a')
  expect(p.seen[0]!.auth).toBe(good)

  const wrong = p.url.replace('http://', 'http://proxyuser:wr%40ng-secret@')
  const error = await client(server.url, { HTTP_PROXY: wrong }).text('https://tool.example/b').catch((e: unknown) => e)
  expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringContaining('407'), hint: expect.stringContaining('proxy wants credentials') })
  expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('ng-secret')
})

test('a CONNECT refused for wrong proxy credentials is a coded 407 error without the password', async () => {
  const p = await proxy({ requireAuth: 'Basic nope' })
  const withAuth = p.url.replace('http://', 'http://proxyuser:hunter2-%40secret@')
  const error = await client('https://localhost:1/', { HTTPS_PROXY: withAuth }).text('https://tool.example/a').catch((e: unknown) => e)
  expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringContaining('407'), hint: expect.stringContaining('HTTPS_PROXY') })
  expect(p.seen[0]).toMatchObject({ method: 'CONNECT', auth: `Basic ${Buffer.from('proxyuser:hunter2-@secret').toString('base64')}` })
  expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('hunter2')
})

test('an unreachable proxy is retried, then DOWNLOAD_FAILED that mentions the proxy, without its credentials', async () => {
  const p = await proxy()
  await p.close()
  const logger = recordingLogger()
  const http = new FeatureHttp({ upstream: 'https://tool.example/', mirror: 'https://localhost:1/', logger, env: { HTTPS_PROXY: p.url.replace('http://', 'http://u:topsecret@') }, retries: 1, retryBaseMs: 1, retryMaxDelayMs: 2 })
  const error = await http.text('https://tool.example/a').catch((e: unknown) => e)
  expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringContaining('ECONNREFUSED'), details: { attempts: 2 }, hint: expect.stringContaining('proxy') })
  expect(JSON.stringify(error) + String((error as Error).message) + logger.warnings.join('\n')).not.toContain('topsecret')
})
