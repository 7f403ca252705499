import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'

/** One request the server answered, in arrival order. `path` is the decoded URL path. */
export interface LoggedRequest {
  method: string
  path: string
  status: number
}

export interface MirrorServer {
  /** `http://127.0.0.1:<port>/` (always ends in `/`). */
  url: string
  port: number
  root: string
  /** Every request, including refused ones; tests assert on it (e.g. zero requests when offline). */
  requests: LoggedRequest[]
  resetRequests(): void
  /** Serve `body` for `path` instead of the file (tamper tests); `null` answers 404. */
  override(path: string, body: Buffer | null): void
  /** Answer `path` with a 302 to `location` (GitHub's `releases/latest/download/<asset>`). */
  redirect(path: string, location: string): void
  /** Drops every {@link MirrorServer.override}. */
  clearOverrides(): void
  /** Answer the next `times` requests for `path` with `status` (retry tests). */
  failNext(path: string, status: number, times?: number): void
  close(): Promise<void>
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.tab': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip',
  '.xz': 'application/x-xz',
  '.zip': 'application/zip',
}

/** `/a/b`, `a/b` → `/a/b`: the form paths are matched in. */
function key(path: string): string {
  return `/${path.replace(/^\/+/, '')}`
}

/** The decoded path, or undefined when it is malformed or tries to leave the root (`..`, NUL, `\`). */
function safePath(rawUrl: string): string | undefined {
  const rawPath = rawUrl.split('?', 1)[0] ?? ''
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return undefined
  }
  if (!decoded.startsWith('/') || /[\0\\]/.test(decoded)) return undefined
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return undefined
  return decoded
}

/**
 * Serves `root` read-only on 127.0.0.1 (GET and HEAD, files only, `Content-Length` always set,
 * 404 for anything else), with hooks for tests: a request log, per-path overrides and injected
 * failures. Paths containing `..` are refused with 403 and never touch the filesystem.
 */
export async function startMirrorServer(root: string, opts: { port?: number } = {}): Promise<MirrorServer> {
  const base = resolve(root)
  const requests: LoggedRequest[] = []
  const overrides = new Map<string, Buffer | null>()
  const failures = new Map<string, { status: number; remaining: number }>()
  const redirects = new Map<string, string>()

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET'
    const path = safePath(req.url ?? '/')
    const send = (status: number, body?: Buffer, type = 'text/plain; charset=utf-8') => {
      requests.push({ method, path: path ?? req.url ?? '', status })
      const payload = body ?? Buffer.from(`${status}\n`)
      res.writeHead(status, { 'content-type': type, 'content-length': payload.length })
      res.end(method === 'HEAD' ? undefined : payload)
    }
    if (path === undefined) return send(403)
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return send(405)
    }
    const failure = failures.get(path)
    if (failure) {
      if (--failure.remaining <= 0) failures.delete(path)
      return send(failure.status)
    }
    const location = redirects.get(path)
    if (location) {
      res.setHeader('location', location)
      return send(302)
    }
    if (overrides.has(path)) {
      const body = overrides.get(path)
      return body ? send(200, body, CONTENT_TYPES[extname(path)] ?? 'application/octet-stream') : send(404)
    }
    const file = join(base, path)
    if (file !== base && !file.startsWith(base + sep)) return send(403)
    const info = await stat(file).catch(() => undefined)
    if (!info?.isFile()) return send(404)
    requests.push({ method, path, status: 200 })
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': info.size })
    if (method === 'HEAD') return void res.end()
    await pipeline(createReadStream(file), res)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    root: base,
    requests,
    resetRequests: () => void requests.splice(0),
    override: (path, body) => void overrides.set(key(path), body),
    redirect: (path, location) => void redirects.set(key(path), location),
    clearOverrides: () => overrides.clear(),
    failNext: (path, status, times = 1) => void failures.set(key(path), { status, remaining: times }),
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()))
        server.closeAllConnections()
      }),
  }
}
