import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { createRequire } from 'node:module'
import { RunnerError, githubAuthHeaders, redactUrl } from '@runner-features/core'
import { agentFor, type ProxyEnv } from './proxy.js'
import { TransientHttpError } from './retry.js'

/**
 * node:http and node:https through `require`, not `import`: Node 24's ESM facade of node:http
 * reads every export once, including the lazy `WebSocket`/`CloseEvent`/`MessageEvent` getters, which compiles
 * the whole bundled undici (≈ 70-250 ms of every install, seen in `--cpu-prof`); `require` does not.
 */
const require = createRequire(import.meta.url)
const { request: httpRequest } = require('node:http') as typeof import('node:http')
const { request: httpsRequest } = require('node:https') as typeof import('node:https')

/** At most this many redirects per request, as browsers and curl's `--max-redirs` default in spirit. */
export const MAX_REDIRECTS = 10
const REDIRECTS = new Set([301, 302, 303, 307, 308])

export interface RequestOptions {
  method: 'GET' | 'HEAD'
  headers?: OutgoingHttpHeaders
  env: ProxyEnv
  signal?: AbortSignal
  /** Fail (retryably) when the response headers take longer than this. */
  timeoutMs: number
  /** Called with the (redacted) URL of every request on the wire, redirects included. */
  onRequest?: (url: string) => void
}

export interface Response {
  res: IncomingMessage
  /** The URL that answered, after redirects (may carry credentials: redact before printing). */
  url: string
}

/**
 * One HTTP exchange on `node:http`/`node:https` streams (not the global `fetch`: the undici bundled
 * with Node 24 can hit `assert(!this.paused)` when a server closes under backpressure,
 * nodejs/undici#5360), following up to {@link MAX_REDIRECTS} redirects. Credentials in a URL are
 * sent as HTTP basic auth and only to that URL's origin: a redirect to another origin drops them.
 * Content encodings are refused (`identity`), so the bytes hashed are the bytes the server stores.
 * The response body is left unread for the caller.
 */
export async function sendRequest(url: string, options: RequestOptions): Promise<Response> {
  let current = new URL(url)
  let method = options.method
  let auth = basicAuth(current)
  for (let redirects = 0; ; redirects++) {
    const res = await exchange(current, method, auth, options)
    const location = res.headers.location
    if (!REDIRECTS.has(res.statusCode ?? 0) || !location) return { res, url: current.href }
    res.resume()
    if (redirects >= MAX_REDIRECTS) {
      throw new RunnerError('DOWNLOAD_FAILED', `more than ${MAX_REDIRECTS} redirects`, { where: redactUrl(url), hint: 'the server redirects in a loop; check the mirror URL' })
    }
    const next = new URL(location, current)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new RunnerError('DOWNLOAD_FAILED', `redirected to an unsupported scheme ${next.protocol}`, { where: redactUrl(url), hint: 'the server redirects somewhere runner-features cannot follow' })
    }
    // Credentials belong to the origin they were given for, never to wherever it redirects.
    auth = next.origin === current.origin && !next.username ? auth : basicAuth(next)
    if (res.statusCode === 303 && method !== 'HEAD') method = 'GET'
    current = next
  }
}

function exchange(url: URL, method: string, auth: string | undefined, options: RequestOptions): Promise<IncomingMessage> {
  const signal = options.signal
  if (signal?.aborted) return Promise.reject(signal.reason)
  const bare = new URL(url.href)
  bare.username = ''
  bare.password = ''
  options.onRequest?.(redactUrl(url.href))
  const headers: OutgoingHttpHeaders = { 'user-agent': 'runner-features', 'accept-encoding': 'identity', ...options.headers }
  if (auth) headers.authorization = auth
  // GITHUB_TOKEN, for GitHub's API only (github-release sources list releases there); decided per
  // hop, so a redirect to another host never carries it.
  else Object.assign(headers, githubAuthHeaders(url.href, options.env))
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(bare, { method, headers, agent: agentFor(url, options.env) })
    const timer = setTimeout(() => req.destroy(new TransientHttpError(`no response within ${options.timeoutMs} ms`, 'ETIMEDOUT')), options.timeoutMs)
    const onAbort = () => req.destroy(signal?.reason as Error)
    signal?.addEventListener('abort', onAbort, { once: true })
    const settle = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    req.once('response', (res) => {
      settle()
      resolve(res)
    })
    // `on`, not `once`: a socket can fail again after the response arrived; a second 'error'
    // without a listener would crash the process.
    req.on('error', (err) => {
      settle()
      reject(err)
    })
    req.end()
  })
}

/** `Authorization: Basic …` from the URL's user and password, percent-decoded (any character allowed). */
export function basicAuth(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined
  return `Basic ${Buffer.from(`${safeDecode(url.username)}:${safeDecode(url.password)}`, 'utf8').toString('base64')}`
}

/** Percent-decoding as UTF-8 that keeps a stray `%` (a raw `100%` password) instead of throwing. */
function safeDecode(value: string): string {
  const bytes: number[] = []
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3)
    if (value[i] === '%' && /^[0-9a-f]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(...Buffer.from(value[i]!, 'utf8'))
    }
  }
  return Buffer.from(bytes).toString('utf8')
}
