import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { join, resolve, sep } from 'node:path'

/**
 * What the fault server does to one response. Body faults are written on the raw socket so the
 * bytes on the wire are exactly what a misbehaving mirror sends (Node's http layer would refuse to
 * send a body shorter than its Content-Length, or reset before the headers).
 */
export type Fault =
  /** An HTTP error status (5xx, 404…); `retryAfter` adds `Retry-After: <seconds>` (429, 503). */
  | { kind: 'status'; status: number; retryAfter?: number }
  /** The connection is reset (RST) as soon as the request arrives: no status line at all. */
  | { kind: 'reset-before-headers' }
  /** Full headers, `afterBytes` of the body, then a reset. */
  | { kind: 'reset-mid-body'; afterBytes: number }
  /** Full headers, `afterBytes` of the body, then silence with the connection open. */
  | { kind: 'stall'; afterBytes: number }
  /** Full `Content-Length`, only `afterBytes` of the body, then a clean close (FIN). */
  | { kind: 'truncate'; afterBytes: number }
  /** The whole body, but a `Content-Length` `extra` bytes larger; then a clean close. */
  | { kind: 'long-length'; extra: number }
  /**
   * What `python3 -m http.server` does: an `HTTP/1.0` status line, the whole body written at once
   * and the connection closed after it, whether or not the client has read it yet (backpressure).
   */
  | { kind: 'http10-close' }
  /** The real body with one byte flipped at `offset` (default: the middle). */
  | { kind: 'tamper'; offset?: number }
  /** Another body instead of the file (an HTML error page, an empty checksum file…). */
  | { kind: 'body'; body: string | Buffer; contentType?: string }
  /** The real body, sent at `bytesPerSecond` (so concurrent clients overlap, or a kill lands mid-download). */
  | { kind: 'slow'; bytesPerSecond: number }

/** One request as the server saw it. */
export interface SeenRequest {
  path: string
  /** 1-based count of requests for this path so far. */
  attempt: number
  fault?: Fault['kind']
  range?: string
  /** Asked in absolute form (`GET http://host/path`): the client used this server as its HTTP proxy. */
  proxied: boolean
  at: number
}

interface Rule {
  match: (path: string) => boolean
  fault: Fault
  /** Requests left to hit (Infinity: until cleared). */
  remaining: number
}

export interface FaultServer {
  url: string
  /** `http://<user>:<password>@127.0.0.1:<port>/`, percent-encoded: what the product is given. */
  authUrl: string
  requests: SeenRequest[]
  /** Bytes of body written per path (served or faulted), to time kills during downloads. */
  bytesSent: Map<string, number>
  /** Applies `fault` to the next `times` requests whose path ends with `suffix` (default: every one). */
  inject(suffix: string, fault: Fault, times?: number): void
  /** Serves `body` for the path ending with `suffix` instead of the mirror's file (crafted archives and checksum files). */
  overlay(suffix: string, body: Buffer | string): void
  /** Drops every fault and overlay: the mirror is healthy again. */
  heal(): void
  /** Acts as an HTTP proxy too (absolute-form requests) and then requires these proxy credentials (else 407). */
  requireProxyAuth(user: string, password: string): void
  /** Requests for paths ending with `suffix`. */
  count(suffix: string): number
  close(): Promise<void>
}

/**
 * A loopback mirror that misbehaves on demand. It serves `root` (the fixture mirror: nodejs/,
 * hashicorp/ in the real upstream layouts) behind HTTP basic auth with the given credentials, so
 * every scenario also proves that credentials reach the server and nowhere else. Honours
 * `Range: bytes=N-` (206), so a client that resumes can.
 */
export async function startFaultServer(root: string, credentials: { user: string; password: string }): Promise<FaultServer> {
  const base = resolve(root)
  const rules: Rule[] = []
  const overlays = new Map<string, Buffer>()
  const requests: SeenRequest[] = []
  const bytesSent = new Map<string, number>()
  const sockets = new Set<Socket>()
  let proxyAuth: string | undefined
  const expectedAuth = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`

  const count = (path: string, n: number) => bytesSent.set(path, (bytesSent.get(path) ?? 0) + n)

  const bodyFor = async (path: string): Promise<Buffer | undefined> => {
    for (const [suffix, body] of overlays) if (path.endsWith(suffix)) return body
    const file = join(base, path)
    if (!file.startsWith(base + sep)) return undefined
    const info = await stat(file).catch(() => undefined)
    return info?.isFile() ? readFile(file) : undefined
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    const attempt = requests.filter((r) => r.path === path).length + 1
    const rule = rules.find((r) => r.remaining > 0 && r.match(path))
    const proxied = /^https?:\/\//i.test(req.url ?? '')
    const seen: SeenRequest = { path, attempt, range: req.headers.range, proxied, at: Date.now() }
    requests.push(seen)
    if (proxied && proxyAuth !== undefined && req.headers['proxy-authorization'] !== proxyAuth) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="fault-proxy"', 'content-length': 0 }).end()
      return
    }
    if (req.headers.authorization !== expectedAuth) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fault-mirror"', 'content-length': 0 }).end()
      return
    }
    if (rule) {
      rule.remaining--
      seen.fault = rule.fault.kind
    }
    const fault = rule?.fault
    if (fault?.kind === 'reset-before-headers') return void req.socket.resetAndDestroy()
    if (fault?.kind === 'status') {
      const body = `<html><body><h1>${fault.status}</h1></body></html>\n`
      res.writeHead(fault.status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}) })
      return void res.end(body)
    }
    if (fault?.kind === 'body') {
      const body = Buffer.from(fault.body)
      res.writeHead(200, { 'content-type': fault.contentType ?? 'text/html; charset=utf-8', 'content-length': body.length })
      return void res.end(body)
    }
    let body = await bodyFor(path)
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 4 }).end('404\n')
      return
    }
    if (fault?.kind === 'tamper') {
      body = Buffer.from(body)
      const at = Math.min(fault.offset ?? Math.floor(body.length / 2), body.length - 1)
      body[at] = body[at]! ^ 0xff
    }
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0)
    if (start >= body.length && start > 0) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}`, 'content-length': 0 }).end()
      return
    }
    const ranged = start > 0 && start < body.length
    const payload = ranged ? body.subarray(start) : body
    const statusLine = ranged ? 'HTTP/1.1 206 Partial Content' : 'HTTP/1.1 200 OK'
    const headers = (length: number, version = statusLine) =>
      `${version}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\nAccept-Ranges: bytes\r\n` +
      `${ranged ? `Content-Range: bytes ${start}-${body!.length - 1}/${body!.length}\r\n` : ''}Connection: close\r\n\r\n`
    const socket = req.socket
    switch (fault?.kind) {
      case 'reset-mid-body':
      case 'truncate':
      case 'stall': {
        const sent = payload.subarray(0, Math.min(fault.afterBytes, payload.length - 1))
        socket.write(headers(payload.length))
        socket.write(sent)
        count(path, sent.length)
        if (fault.kind === 'reset-mid-body') setTimeout(() => socket.resetAndDestroy(), 50)
        if (fault.kind === 'truncate') socket.end()
        return // stall: leave it open; close() destroys it
      }
      case 'long-length':
        socket.write(headers(payload.length + fault.extra))
        count(path, payload.length)
        return void socket.end(payload)
      case 'http10-close':
        socket.write(headers(payload.length, ranged ? 'HTTP/1.0 206 Partial Content' : 'HTTP/1.0 200 OK'))
        count(path, payload.length)
        return void socket.end(payload)
      case 'slow': {
        socket.write(headers(payload.length))
        const chunk = Math.max(1, Math.floor(fault.bytesPerSecond / 20))
        for (let off = 0; off < payload.length && !socket.destroyed; off += chunk) {
          socket.write(payload.subarray(off, off + chunk))
          count(path, Math.min(chunk, payload.length - off))
          await new Promise((r) => setTimeout(r, 50))
        }
        return void socket.end()
      }
      default:
        res.writeHead(ranged ? 206 : 200, {
          'content-type': 'application/octet-stream', 'content-length': payload.length, 'accept-ranges': 'bytes',
          ...(ranged ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
        })
        count(path, payload.length)
        res.end(payload)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('error', () => undefined)
    s.once('close', () => sockets.delete(s))
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}/`
  return {
    url,
    authUrl: `http://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/`,
    requests,
    bytesSent,
    inject: (suffix, fault, times = Infinity) => void rules.push({ match: (p) => p.endsWith(suffix), fault, remaining: times }),
    overlay: (suffix, body) => void overlays.set(suffix, Buffer.from(body)),
    heal: () => {
      rules.splice(0)
      overlays.clear()
    },
    requireProxyAuth: (user, password) => void (proxyAuth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`),
    count: (suffix) => requests.filter((r) => r.path.endsWith(suffix)).length,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy()
        server.close(() => ok())
      }),
  }
}
