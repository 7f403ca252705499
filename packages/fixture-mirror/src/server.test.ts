import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startMirrorServer, type MirrorServer } from './server.js'

let base: string
let server: MirrorServer

/** A request with the path sent exactly as given (fetch would normalize `..` away). */
function raw(path: string, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'fixture-mirror-server-'))
  await mkdir(join(base, 'root', 'v1'), { recursive: true })
  await writeFile(join(base, 'root', 'index.json'), '[{"version":"v1.0.0"}]\n')
  await writeFile(join(base, 'root', 'v1', 'file.tar.gz'), Buffer.alloc(70_000, 7))
  await writeFile(join(base, 'secret.txt'), 'outside the root')
  server = await startMirrorServer(join(base, 'root'))
})

afterAll(async () => {
  await server.close()
  await rm(base, { recursive: true, force: true })
})

beforeEach(() => {
  server.resetRequests()
  server.clearOverrides()
})

describe('startMirrorServer', () => {
  it('listens on 127.0.0.1 and gives a URL ending in /', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`)
  })

  it('serves files with Content-Length and a content type', async () => {
    const res = await fetch(`${server.url}v1/file.tar.gz`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('70000')
    expect(res.headers.get('content-type')).toBe('application/gzip')
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.alloc(70_000, 7))).toBe(true)
    expect((await fetch(`${server.url}index.json`)).headers.get('content-type')).toBe('application/json')
  })

  it('answers 404 for missing files and directories', async () => {
    expect((await fetch(`${server.url}v2/nothing.zip`)).status).toBe(404)
    expect((await fetch(`${server.url}v1/`)).status).toBe(404)
    expect((await fetch(server.url)).status).toBe(404)
  })

  it('answers HEAD with the headers and no body', async () => {
    const res = await raw('/v1/file.tar.gz', 'HEAD')
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBe('70000')
    expect(res.body).toBe('')
  })

  it('refuses other methods', async () => {
    const res = await fetch(`${server.url}index.json`, { method: 'POST', body: 'x' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
  })

  it('logs every request with its status', async () => {
    await fetch(`${server.url}index.json`)
    await fetch(`${server.url}missing`)
    await raw('/v1/file.tar.gz', 'HEAD')
    expect(server.requests).toEqual([
      { method: 'GET', path: '/index.json', status: 200 },
      { method: 'GET', path: '/missing', status: 404 },
      { method: 'HEAD', path: '/v1/file.tar.gz', status: 200 },
    ])
    server.resetRequests()
    expect(server.requests).toEqual([])
  })

  it('serves overridden bytes, or 404 for a null override, until cleared', async () => {
    server.override('index.json', Buffer.from('tampered'))
    server.override('/v1/file.tar.gz', null)
    const res = await fetch(`${server.url}index.json`)
    expect(await res.text()).toBe('tampered')
    expect(res.headers.get('content-length')).toBe('8')
    expect((await fetch(`${server.url}v1/file.tar.gz`)).status).toBe(404)
    server.clearOverrides()
    expect(await (await fetch(`${server.url}index.json`)).text()).toBe('[{"version":"v1.0.0"}]\n')
  })

  it('fails the next N requests for a path, then serves it again', async () => {
    server.failNext('/index.json', 503, 2)
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${server.url}index.json`)).status)
    expect(statuses).toEqual([503, 503, 200])
    server.failNext('index.json', 500)
    expect((await fetch(`${server.url}index.json`)).status).toBe(500)
    expect((await fetch(`${server.url}index.json`)).status).toBe(200)
  })

  it.each(['/../secret.txt', '/v1/../../secret.txt', '/%2e%2e/secret.txt', '/v1/..%2f..%2fsecret.txt', '/v1/%00', '/..\\secret.txt'])('refuses traversal: %s', async (path) => {
    const res = await raw(path)
    expect(res.status).toBe(403)
    expect(res.body).not.toContain('outside the root')
    expect(server.requests.at(-1)?.status).toBe(403)
  })

  it('does not log a request it did not get', () => {
    expect(server.requests).toHaveLength(0)
  })
})

it('refuses a port that is taken', async () => {
  const other = await startMirrorServer(base)
  await expect(startMirrorServer(base, { port: other.port })).rejects.toThrow(/EADDRINUSE/)
  await other.close()
})
