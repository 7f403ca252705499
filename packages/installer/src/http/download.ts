import type { IncomingMessage, IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { RunnerError, isRunnerError, redactUrl, type Logger } from '@runner-features/core'
import type { ProxyEnv } from './proxy.js'
import { sendRequest } from './request.js'
import { TransientHttpError, isCertificateError, isRetryableError, isRetryableStatus, parseRetryAfter, retryDelay, type BackoffPolicy } from './retry.js'

export interface DownloadSettings {
  env: ProxyEnv
  logger: Logger
  signal?: AbortSignal
  /** No response headers, or no body byte while the consumer is reading, for this long: a stall. */
  idleTimeoutMs: number
  /** Attempts after the first, shared by the whole download (connects and resumes alike). */
  retries: number
  backoff: BackoffPolicy
  /** What to do when the network gives up, for the final DOWNLOAD_FAILED. */
  networkHint: string
  onRequest?: (url: string) => void
}

export interface OpenedBody {
  body: Readable
  /**
   * Size of the whole file, when the server said. A getter: a later response may correct a
   * too-long first Content-Length, so read it after the body ended for the final figure.
   */
  readonly size?: number
}

/** Opens a GET whose body survives resets and stalls; see {@link ResumableDownload}. */
export async function openDownload(target: string, settings: DownloadSettings): Promise<OpenedBody> {
  const download = new ResumableDownload(target, settings)
  try {
    await download.start()
  } catch (err) {
    download.body.destroy()
    throw err
  }
  return {
    body: download.body,
    get size() {
      return download.total
    },
  }
}

/**
 * One download as a single continuous byte stream, whatever happens on the wire.
 *
 * When a response ends early (reset, stall, fewer bytes than Content-Length) the download
 * reconnects after a backoff and carries on where the consumer is: with `Range: bytes=<received>-`
 * (and `If-Range`) when the server advertised `Accept-Ranges: bytes`, checking the 206's
 * Content-Range start; otherwise, or when the server answers 200 anyway, it re-reads the file from
 * the start and drops the bytes already passed on. A file that changed meanwhile (different ETag,
 * Last-Modified or size) fails: the bytes could not be stitched together. The consumer never sees a
 * restart, never an undeclared 'error'; after the last attempt the body is destroyed with
 * DOWNLOAD_FAILED naming the URL (redacted), the attempts and a hint.
 */
class ResumableDownload {
  readonly body: Readable
  total?: number
  private attempts = 0
  /** A first usable response (200/206) arrived; it fixed the size and validators. */
  private opened = false
  /** Set while a response is flowing: what its idle timer calls. */
  private stalled?: () => void
  private received = 0
  private acceptsRanges = false
  private validator?: string
  private lastError?: unknown
  private retryAfterMs?: number
  private current?: IncomingMessage
  private idleTimer?: NodeJS.Timeout
  /** Aborts a pending backoff or request when the consumer gives up or the run is cancelled. */
  private readonly stop = new AbortController()
  private readonly signal: AbortSignal

  constructor(private readonly target: string, private readonly settings: DownloadSettings) {
    this.signal = settings.signal ? AbortSignal.any([settings.signal, this.stop.signal]) : this.stop.signal
    this.body = new Readable({
      read: () => {
        if (this.current?.isPaused()) {
          this.current.resume()
          this.armIdle()
        }
      },
      destroy: (err, done) => {
        this.stop.abort(err ?? new Error('download closed by its reader'))
        this.detach()
        done(err)
      },
    })
    const cancelled = () => this.body.destroy(settings.signal!.reason as Error)
    settings.signal?.addEventListener('abort', cancelled, { once: true })
    this.body.once('close', () => settings.signal?.removeEventListener('abort', cancelled))
  }

  async start(): Promise<void> {
    const opened = await this.connect()
    if (opened === 'complete') throw new Error('unreachable: nothing was requested with a range yet')
    this.pump(opened.res, opened.skip)
  }

  /** Requests (or re-requests) the file until a usable 200/206 arrives, or gives up. */
  private async connect(): Promise<{ res: IncomingMessage; skip: number } | 'complete'> {
    for (;;) {
      if (this.attempts > 0) await this.backoff()
      this.attempts++
      try {
        const resuming = this.received > 0 && this.acceptsRanges
        const headers: Record<string, string> = {}
        if (resuming) {
          headers.range = `bytes=${this.received}-`
          if (this.validator) headers['if-range'] = this.validator
        }
        const { res } = await sendRequest(this.target, { method: 'GET', headers, env: this.settings.env, signal: this.signal, timeoutMs: this.settings.idleTimeoutMs, onRequest: this.settings.onRequest })
        const status = res.statusCode ?? 0
        if (status === 200 || status === 206) return { res, skip: this.accept(res) }
        if (status === 416 && resuming) return this.unsatisfiable(res)
        res.resume()
        const error = statusError(status, res.statusMessage, this.target)
        if (!isRetryableStatus(status)) throw error
        this.lastError = error
        this.retryAfterMs = parseRetryAfter(header(res.headers, 'retry-after'), Date.now())
      } catch (err) {
        if (isRunnerError(err) || this.signal.aborted) throw err
        if (!isRetryableError(err)) throw this.failure(err)
        this.lastError = err
        this.retryAfterMs = undefined
      }
    }
  }

  private async backoff(): Promise<void> {
    if (this.attempts > this.settings.retries) throw this.failure(this.lastError)
    const wait = retryDelay(this.attempts, this.settings.backoff, this.retryAfterMs)
    const progress = this.received > 0 ? `, resuming at byte ${this.received}` : ''
    this.settings.logger.warn(`retrying ${redactUrl(this.target)} in ${wait} ms (${describe(this.lastError)}; attempt ${this.attempts + 1} of ${this.settings.retries + 1}${progress})`)
    await sleep(wait, undefined, { signal: this.signal })
  }

  /**
   * Checks a 200/206 against what was already received and returns how many leading bytes of it
   * to drop. Throws TransientHttpError for a 206 that starts elsewhere (the next try re-reads the
   * whole file), RunnerError when the file changed underneath.
   */
  private accept(res: IncomingMessage): number {
    const declared = header(res.headers, 'content-length')
    const length = declared === undefined ? undefined : Number(declared)
    const validator = strongValidator(res.headers)
    if (!this.opened) {
      this.opened = true
      this.total = res.statusCode === 200 ? (Number.isSafeInteger(length) ? length : undefined) : contentRange(res.headers)?.total
      this.acceptsRanges = res.statusCode === 206 || header(res.headers, 'accept-ranges')?.toLowerCase() === 'bytes'
      this.validator = validator
      return 0
    }
    if (this.validator && validator && validator !== this.validator) throw this.changed(res)
    if (res.statusCode === 206) {
      const range = contentRange(res.headers)
      if (range?.start !== this.received) {
        res.resume()
        this.acceptsRanges = false
        throw new TransientHttpError(`the server resumed at byte ${range?.start ?? '?'} instead of ${this.received}`)
      }
      this.correctTotal(range.total)
      return 0
    }
    // 200 to a range request (or no range asked): the whole file again; skip what was passed on.
    if (length !== undefined && length < this.received) throw this.changed(res)
    this.correctTotal(length)
    return this.received
  }

  /**
   * A size that differs from the first response's Content-Length, with no validator saying the
   * file changed: the first answer lied (a too-long Content-Length is one of the faults this
   * survives). Trust the newer one; the sha256 check downstream still guards the bytes.
   */
  private correctTotal(total: number | undefined): void {
    if (total === undefined || total === this.total) return
    if (this.total !== undefined) this.settings.logger.warn(`${redactUrl(this.target)}: the server now says ${total} bytes, not ${this.total}; continuing at byte ${this.received}`)
    this.total = total
  }

  /**
   * 416 to `Range: bytes=<received>-`: nothing is left to send. When the server names the size
   * (`Content-Range: bytes *\/N`) and it is what was received, the first response's
   * Content-Length was too long and the body is complete; otherwise re-read the whole file.
   */
  private unsatisfiable(res: IncomingMessage): 'complete' {
    res.resume()
    const size = /^bytes \*\/(\d+)$/i.exec(header(res.headers, 'content-range')?.trim() ?? '')?.[1]
    if (size !== undefined && Number(size) === this.received) {
      this.correctTotal(this.received)
      return 'complete'
    }
    this.acceptsRanges = false
    throw new TransientHttpError(`the server cannot resume at byte ${this.received} (HTTP 416)`)
  }

  private changed(res: IncomingMessage): RunnerError {
    res.resume()
    return new RunnerError('DOWNLOAD_FAILED', `the file changed on the server during the download (after ${this.received} bytes)`, {
      where: redactUrl(this.target),
      hint: 'the mirror was updated mid-download; run the command again',
    })
  }

  /** Moves one response's bytes into the body, honouring the reader's backpressure. */
  private pump(res: IncomingMessage, skip: number): void {
    this.current = res
    let toSkip = skip
    let done = false
    const interrupted = (err: unknown) => {
      if (done) return
      done = true
      this.detach()
      if (this.body.destroyed) return
      if (!isRetryableError(err)) {
        this.body.destroy(isRunnerError(err) ? err : this.failure(err))
        return
      }
      this.lastError = err
      this.retryAfterMs = undefined
      this.connect().then((next) => {
        if (next === 'complete') this.body.push(null)
        else this.pump(next.res, next.skip)
      }, (failure: Error) => this.body.destroy(failure))
    }
    res.on('data', (chunk: Buffer) => {
      if (done) return
      if (toSkip > 0) {
        if (chunk.length <= toSkip) {
          toSkip -= chunk.length
          this.armIdle()
          return
        }
        chunk = chunk.subarray(toSkip)
        toSkip = 0
      }
      this.received += chunk.length
      this.armIdle()
      if (!this.body.push(chunk)) {
        res.pause()
        this.clearIdle()
      }
    })
    res.on('end', () => {
      if (done) return
      if (this.total !== undefined && this.received < this.total) {
        interrupted(new TransientHttpError(`the connection closed after ${this.received} of ${this.total} bytes`))
        return
      }
      done = true
      this.detach()
      this.body.push(null)
    })
    res.on('error', interrupted)
    res.on('close', () => interrupted(new TransientHttpError(`the connection closed after ${this.received}${this.total === undefined ? '' : ` of ${this.total}`} bytes`)))
    this.stalled = () => interrupted(new TransientHttpError(`stalled: no data for ${this.settings.idleTimeoutMs} ms`, 'ETIMEDOUT'))
    this.armIdle()
  }

  private armIdle(): void {
    this.clearIdle()
    const stalled = this.stalled
    if (stalled) this.idleTimer = setTimeout(stalled, this.settings.idleTimeoutMs)
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }

  /** Stops listening to the current response and closes its socket. */
  private detach(): void {
    this.clearIdle()
    this.stalled = undefined
    const res = this.current
    this.current = undefined
    if (res && !res.complete) res.destroy()
  }

  private failure(err: unknown): RunnerError {
    const cert = isCertificateError(err)
    const status = isRunnerError(err) ? (err.details?.status as number | undefined) : undefined
    const progress = this.received > 0 ? ` after ${this.received}${this.total === undefined ? '' : ` of ${this.total}`} bytes` : ''
    return new RunnerError('DOWNLOAD_FAILED', `could not fetch${progress} (${this.attempts} attempt${this.attempts === 1 ? '' : 's'}): ${describe(err)}`, {
      where: redactUrl(this.target),
      hint: cert
        ? 'the TLS certificate is not trusted; for a private CA (corporate mirror or TLS-inspecting proxy) point NODE_EXTRA_CA_CERTS at its PEM bundle'
        : isRunnerError(err) && err.hint ? err.hint : this.settings.networkHint,
      details: { attempts: this.attempts, ...(status === undefined ? {} : { status }) },
      cause: err,
    })
  }
}

function statusError(status: number, statusMessage: string | undefined, target: string): RunnerError {
  const hints: Record<number, string> = {
    401: 'the server wants credentials; put them in the mirror URL (https://user:password@host/…)',
    403: 'the server refused these credentials or this client; check the mirror account',
    404: 'the file is not on the server; check the version and the mirror layout',
    407: 'the proxy wants credentials; put them in HTTPS_PROXY/HTTP_PROXY (http://user:password@proxy:port)',
    429: 'the server rate-limits this client; retry later or use a mirror',
  }
  return new RunnerError('DOWNLOAD_FAILED', `HTTP ${status} ${statusMessage ?? ''}`.trim(), {
    where: redactUrl(target),
    hint: hints[status] ?? (status >= 500 ? 'the server failed; retry later or check the mirror' : 'the server refused the request; check the URL, credentials and mirror'),
    details: { status },
  })
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** ETag (strong only: a weak one may not identify the same bytes) or else Last-Modified. */
function strongValidator(headers: IncomingHttpHeaders): string | undefined {
  const etag = header(headers, 'etag')
  if (etag && !etag.startsWith('W/')) return etag
  return header(headers, 'last-modified')
}

function contentRange(headers: IncomingHttpHeaders): { start: number; total?: number } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/i.exec(header(headers, 'content-range')?.trim() ?? '')
  if (!match) return undefined
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) }
}

/** One line for a log or message, credentials redacted. */
export function describe(err: unknown): string {
  if (isRunnerError(err)) return redactUrl(err.message)
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } } | undefined
  const code = e?.code ?? e?.cause?.code
  const message = e?.message || String(err)
  return redactUrl(code && !message.includes(code) ? `${message} (${code})` : message)
}
