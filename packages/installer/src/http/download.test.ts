import { createHash, randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, expect, test } from 'vitest'
import { FeatureHttp } from '../http.js'
import { loopback, rawLoopback, recordingLogger, type Loopback } from '../testing/loopback-server.js'

const servers: Loopback[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(...args: Parameters<typeof loopback>): Promise<Loopback> {
  const server = await loopback(...args)
  servers.push(server)
  return server
}

/** A client whose backoff is at most a few ms, so retry tests never sleep for real. */
function client(server: { url: string }, extra: Partial<ConstructorParameters<typeof FeatureHttp>[0]> = {}) {
  const logger = recordingLogger()
  const http = new FeatureHttp({ upstream: 'https://tool.example/', mirror: server.url, logger, env: {}, retries: 3, retryBaseMs: 2, retryMaxDelayMs: 5, idleTimeoutMs: 2_000, ...extra })
  return { http, logger }
}

/** Reads a body to the end, slowly when `pauseEvery` is set (a reader that applies backpressure). */
async function readAll(body: Readable, pauseEvery = 0): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body) {
    chunks.push(chunk as Buffer)
    if (pauseEvery && chunks.length % pauseEvery === 0) await sleep(1)
  }
  return Buffer.concat(chunks)
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const FILE = randomBytes(3 * 1024 * 1024 + 17)

test('a server that closes the connection right after the body (HTTP/1.0 style) never crashes a slow reader', async () => {
  // The crash this guards against: undici (global fetch in Node 24) asserting !this.paused when the
  // socket closes while the reader holds the stream paused (nodejs/undici#5360).
  const withLength = await rawLoopback(() => Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: ${FILE.length}\r\nConnection: close\r\n\r\n`), FILE]))
  const withoutLength = await rawLoopback(() => Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n'), FILE]))
  servers.push(withLength, withoutLength)
  for (const server of [withLength, withoutLength]) {
    const { http } = client(server)
    for (let i = 0; i < 15; i++) {
      const { body, size } = await http.open('https://tool.example/file.bin')
      expect(size).toBe(server === withLength ? FILE.length : undefined)
      expect(sha(await readAll(body, 4))).toBe(sha(FILE))
    }
    expect(server.requests).toHaveLength(15)
  }
})

test('5xx then success: retried, and the retry is logged with the attempt number', async () => {
  const server = await serve((_req, res, n) => {
    if (n < 2) return void res.writeHead(503).end('busy')
    res.end('ok')
  })
  const { http, logger } = client(server)
  expect(await readAll((await http.open('https://tool.example/a')).body)).toEqual(Buffer.from('ok'))
  expect(server.requests).toHaveLength(3)
  expect(logger.warnings[0]).toMatch(/retrying http:\/\/127\.0\.0\.1:\d+\/a in \d+ ms \(HTTP 503 Service Unavailable; attempt 2 of 4\)/)
})

test('429 with Retry-After is honoured up to the configured cap', async () => {
  const server = await serve((_req, res, n) => {
    if (n === 0) return void res.writeHead(429, { 'retry-after': '3600' }).end()
    if (n === 1) return void res.writeHead(429, { 'retry-after': '0' }).end()
    res.end('ok')
  })
  const { http, logger } = client(server, { retryMaxDelayMs: 40 })
  await readAll((await http.open('https://tool.example/a')).body)
  expect(logger.warnings.map((w) => /in (\d+) ms/.exec(w)?.[1])).toEqual(['40', '0'])
})

test('after the last attempt: DOWNLOAD_FAILED with the redacted URL, the attempts and a hint', async () => {
  const server = await serve((_req, res) => void res.writeHead(502).end())
  const mirror = server.url.replace('http://', 'http://ci:p@ss:w0rd@')
  const { http } = client({ url: mirror }, { retries: 2 })
  const error = await http.open('https://tool.example/a').catch((e: unknown) => e)
  expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', where: `${server.url.replace('http://', 'http://***@')}a`, details: { attempts: 3, status: 502 } })
  expect((error as Error).message).toMatch(/\(3 attempts\): HTTP 502/)
  expect((error as { hint: string }).hint).toBeTruthy()
  expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toMatch(/p@ss|w0rd/)
  expect(server.requests).toHaveLength(3)
})

test('404 is not retried', async () => {
  const server = await serve((_req, res) => void res.writeHead(404).end())
  const { http } = client(server)
  await expect(http.open('https://tool.example/a')).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', hint: expect.stringContaining('not on the server') })
  expect(server.requests).toHaveLength(1)
})

test('a refused connection is retried, then fails with DOWNLOAD_FAILED naming the attempts', async () => {
  const server = await serve(() => undefined)
  await server.close()
  const { http } = client(server, { retries: 2 })
  await expect(http.open('https://tool.example/a')).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/\(3 attempts\).*ECONNREFUSED/) })
})

/**
 * Serves FILE; `cut(n)` says after how many bytes response n is cut: by closing the socket (FIN,
 * so the client gets exactly that many bytes) or with `reset`, by a TCP reset (RST).
 */
function fileServer(options: { ranges: boolean; cut: (n: number) => number | undefined; etag?: (n: number) => string; ignoreRange?: boolean; wrongStart?: boolean; reset?: boolean }) {
  return serve((req, res, n) => {
    let start = 0
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
    if (options.ranges) headers['accept-ranges'] = 'bytes'
    if (options.etag) headers.etag = options.etag(n)
    if (range && options.ranges && !options.ignoreRange) {
      start = Number(range[1]) - (options.wrongStart ? 1 : 0)
      res.writeHead(206, { ...headers, 'content-length': String(FILE.length - start), 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` })
    } else {
      res.writeHead(200, { ...headers, 'content-length': String(FILE.length) })
    }
    const cut = options.cut(n)
    if (cut === undefined) return void res.end(FILE.subarray(start))
    res.write(FILE.subarray(start, start + cut), () => (options.reset ? setTimeout(() => res.socket?.resetAndDestroy(), 20) : res.socket?.end()))
  })
}

test('a reset mid-body resumes with Range from the byte received, and the reader sees one intact stream', async () => {
  const server = await fileServer({ ranges: true, reset: true, etag: () => '"v1"', cut: (n) => (n === 0 ? 1_000_000 : n === 1 ? 500_000 : undefined) })
  const { http } = client(server)
  const { body, size } = await http.open('https://tool.example/file.bin')
  expect(size).toBe(FILE.length)
  expect(sha(await readAll(body))).toBe(sha(FILE))
  // A reset (RST) also discards what the client had not read yet, so resumes start at or before the cut.
  const starts = server.requests.map((r) => Number(/^bytes=(\d+)-$/.exec(r.headers.range ?? '')?.[1] ?? 0))
  expect(server.requests).toHaveLength(3)
  expect(server.requests[0]!.headers.range).toBeUndefined()
  expect(starts[1]).toBeGreaterThan(0)
  expect(starts[1]).toBeLessThanOrEqual(1_000_000)
  expect(starts[2]).toBeGreaterThan(starts[1]!)
  expect(starts[2]).toBeLessThanOrEqual(starts[1]! + 500_000)
  expect(server.requests[1]!.headers['if-range']).toBe('"v1"')
})

test('without Accept-Ranges a reset mid-body re-reads the file and skips what was already passed on', async () => {
  const server = await fileServer({ ranges: false, cut: (n) => (n === 0 ? 700_000 : undefined) })
  const { http } = client(server)
  expect(sha(await readAll((await http.open('https://tool.example/file.bin')).body, 3))).toBe(sha(FILE))
  expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, undefined])
})

test('a server that answers a range request with 200 is handled as a full re-read', async () => {
  const server = await fileServer({ ranges: true, ignoreRange: true, cut: (n) => (n === 0 ? 700_000 : undefined) })
  const { http } = client(server)
  expect(sha(await readAll((await http.open('https://tool.example/file.bin')).body))).toBe(sha(FILE))
  expect(server.requests[1]!.headers.range).toBe('bytes=700000-')
})

test('a 206 that starts at the wrong byte is not stitched: the next attempt re-reads the whole file', async () => {
  const server = await fileServer({ ranges: true, wrongStart: true, cut: (n) => (n === 0 ? 700_000 : undefined) })
  const { http } = client(server)
  expect(sha(await readAll((await http.open('https://tool.example/file.bin')).body))).toBe(sha(FILE))
  expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, 'bytes=700000-', undefined])
})

test('a file that changed on the server between a reset and the resume fails with DOWNLOAD_FAILED', async () => {
  const server = await fileServer({ ranges: true, ignoreRange: true, etag: (n) => `"v${n}"`, cut: (n) => (n === 0 ? 700_000 : undefined) })
  const { http } = client(server)
  const { body } = await http.open('https://tool.example/file.bin')
  await expect(readAll(body)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringContaining('changed on the server') })
})

test('fewer bytes than Content-Length, every time: DOWNLOAD_FAILED on the body after the retries, no crash', async () => {
  const server = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': '5000' })
    res.write('x'.repeat(1000), () => res.socket?.end())
  })
  const { http } = client(server, { retries: 2 })
  const { body } = await http.open('https://tool.example/a')
  const error = await readAll(body).catch((e: unknown) => e)
  expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', where: `${server.url}a`, details: { attempts: 3 } })
  expect((error as Error).message).toMatch(/after 1000 of 5000 bytes \(3 attempts\)/)
  expect(server.requests).toHaveLength(3)
})

/** The first response declares `extra` bytes too many and closes after the real body; later ones are honest. */
function lyingLengthServer(options: { ranges: boolean; afterBytes?: number }) {
  return serve((req, res, n) => {
    const start = options.ranges ? Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0) : 0
    const headers: Record<string, string> = options.ranges ? { 'accept-ranges': 'bytes' } : {}
    if (start >= FILE.length) return void res.writeHead(416, { 'content-range': `bytes */${FILE.length}` }).end()
    if (start > 0) res.writeHead(206, { ...headers, 'content-length': String(FILE.length - start), 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` })
    else res.writeHead(200, { ...headers, 'content-length': String(FILE.length + (n === 0 ? 4096 : 0)) })
    if (n > 0) return void res.end(FILE.subarray(start))
    res.write(FILE.subarray(0, options.afterBytes ?? FILE.length), () => res.socket?.end())
  })
}

test.each([
  ['the server then answers 416 bytes */<size>', { ranges: true }, ['bytes=' + FILE.length + '-']],
  ['the server does not do ranges and re-sends the file', { ranges: false }, [undefined]],
  ['the body also broke off, so the resume reports the real size', { ranges: true, afterBytes: 1_000_000 }, ['bytes=1000000-']],
])('a too-long Content-Length once: %s → the body is complete and intact', async (_name, options, retries) => {
  const server = await lyingLengthServer(options)
  const { http, logger } = client(server)
  const opened = await http.open('https://tool.example/a')
  expect(opened.size).toBe(FILE.length + 4096)
  expect(sha(await readAll(opened.body))).toBe(sha(FILE))
  expect(opened.size).toBe(FILE.length)
  expect(server.requests.slice(1).map((r) => r.headers.range)).toEqual(retries)
  expect(logger.warnings.join('\n')).toContain(`not ${FILE.length + 4096}`)
})

test('a truncated body followed by a good response is repaired transparently', async () => {
  const server = await serve((_req, res, n) => {
    res.writeHead(200, { 'content-length': String(FILE.length) })
    if (n > 0) return void res.end(FILE)
    res.write(FILE.subarray(0, 123_456), () => res.socket?.end())
  })
  const { http } = client(server)
  expect(sha(await readAll((await http.open('https://tool.example/a')).body))).toBe(sha(FILE))
})

test('a stall mid-body (no byte for idleTimeoutMs) is retried and resumed', async () => {
  // The first response sends 300 kB and then nothing, holding the connection open.
  const stalling = await serve((req, res, n) => {
    if (n === 0) {
      res.writeHead(200, { 'content-length': String(FILE.length), 'accept-ranges': 'bytes' })
      return void res.write(FILE.subarray(0, 300_000))
    }
    const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0)
    res.writeHead(206, { 'content-length': String(FILE.length - start), 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` })
    res.end(FILE.subarray(start))
  })
  const { http, logger } = client(stalling, { idleTimeoutMs: 400 })
  expect(sha(await readAll((await http.open('https://tool.example/a')).body))).toBe(sha(FILE))
  expect(logger.warnings[0]).toContain('stalled: no data for 400 ms')
  expect(stalling.requests[1]!.headers.range).toBe('bytes=300000-')
})

test('a reader that pauses longer than idleTimeoutMs is not taken for a stalled server', async () => {
  const server = await serve((_req, res) => void res.end(FILE))
  const { http } = client(server, { idleTimeoutMs: 300, retries: 0 })
  const { body } = await http.open('https://tool.example/a')
  const chunks: Buffer[] = []
  for await (const chunk of body) {
    chunks.push(chunk as Buffer)
    if (chunks.length === 2) await sleep(1_000)
  }
  expect(sha(Buffer.concat(chunks))).toBe(sha(FILE))
  expect(server.requests).toHaveLength(1)
})

test('a reader that gives up closes the connection and starts no retry', async () => {
  const server = await fileServer({ ranges: true, cut: () => undefined })
  const { http } = client(server)
  const { body } = await http.open('https://tool.example/a')
  for await (const _ of body) break
  await sleep(30)
  expect(server.requests).toHaveLength(1)
})

test('text() of an index is retried like a download', async () => {
  const server = await serve((_req, res, n) => {
    if (n === 0) return void res.writeHead(500).end()
    res.end('{"ok":true}')
  })
  const { http } = client(server)
  expect(await http.json('https://tool.example/index.json')).toEqual({ ok: true })
  expect(server.requests).toHaveLength(2)
})
