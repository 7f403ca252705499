import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type Socket } from 'node:net'

/** What a loopback server saw of one request. */
export interface SeenRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

export interface Loopback {
  /** `http://<host>:<port>/` */
  url: string
  port: number
  requests: SeenRequest[]
  close(): Promise<void>
}

/**
 * An HTTP server on a free loopback port for tests of the HTTP client. The handler gets the
 * request number (0-based), so a test can fail the first attempts and serve the next.
 */
export async function loopback(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void, host = '127.0.0.1'): Promise<Loopback> {
  const requests: SeenRequest[] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    handler(req, res, requests.length - 1)
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://${host}:${port}/`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/**
 * A raw TCP server speaking just enough HTTP/1.0 to answer every request with `respond`'s bytes
 * and then close the socket, as `python3 -m http.server` and other simple mirrors do.
 */
export async function rawLoopback(respond: (request: string, n: number) => Buffer): Promise<Loopback> {
  const requests: SeenRequest[] = []
  const sockets = new Set<Socket>()
  const server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    let head = ''
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      const [line = ''] = head.split('\r\n')
      const [method = '', url = ''] = line.split(' ')
      requests.push({ method, url, headers: {} })
      socket.end(respond(head, requests.length - 1))
      head = ''
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    }),
  }
}

/** Silent logger that keeps warnings, so tests can read the retry lines. */
export function recordingLogger(): { warnings: string[]; info(m: string): void; warn(m: string): void; debug(m: string): void } {
  const warnings: string[] = []
  return { warnings, info: () => undefined, warn: (m) => void warnings.push(m), debug: () => undefined }
}
