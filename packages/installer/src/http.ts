import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { RunnerError, rebaseUrl, redactUrl, type HttpClient, type Logger, type Schema } from '@runner-features/core'

export interface HttpSettings {
  /** The feature's canonical upstream base; with `mirror`, URLs under it are rebased. */
  upstream: string
  mirror?: string
  logger: Logger
  signal?: AbortSignal
  /** Abort when no byte arrives for this long (a whole-download deadline would punish slow links). */
  idleTimeoutMs?: number
  /** Attempts after the first, for network errors, 5xx and 429. */
  retries?: number
  /** Index responses (text/json) are cached here for `indexTtlMs`; downloads never are. */
  cacheDir?: string
  indexTtlMs?: number
  /** Counts real network requests (tests and `--json` output use it). */
  onRequest?: (url: string) => void
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504])

export interface OpenedDownload {
  body: Readable
  /** Content-Length when the server sent one. */
  size?: number
  /** The URL actually fetched (mirror applied; for messages, already redacted). */
  fetchedFrom: string
}

/** HTTP for one feature: mirror rebasing, retries with backoff, idle timeouts, index caching. */
export class FeatureHttp implements HttpClient {
  constructor(private readonly settings: HttpSettings) {}

  /** Where a canonical URL is really fetched from (the mirror, when one is set). */
  resolve(url: string): string {
    return rebaseUrl(url, this.settings.upstream, this.settings.mirror)
  }

  /** Within one run an index is fetched once, however many times plugins ask for it. */
  private readonly memo = new Map<string, Promise<string>>()

  text(url: string): Promise<string> {
    let target: string
    try {
      target = this.resolve(url)
    } catch (err) {
      return Promise.reject(err)
    }
    let pending = this.memo.get(target)
    if (!pending) {
      pending = this.fetchText(url, target)
      pending.catch(() => this.memo.delete(target))
      this.memo.set(target, pending)
    }
    return pending
  }

  private async fetchText(url: string, target: string): Promise<string> {
    const cached = await this.readIndexCache(target)
    if (cached !== undefined) return cached
    const { body } = await this.open(url)
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    await this.writeIndexCache(target, text)
    return text
  }

  async json<T = unknown>(url: string, schema?: Schema<T>): Promise<T> {
    const text = await this.text(url)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw new RunnerError('UPSTREAM_FORMAT', 'the response is not JSON', { where: redactUrl(this.resolve(url)), hint: 'the mirror may serve an HTML error page; check its URL', cause: err })
    }
    if (!schema) return value as T
    const parsed = schema.safeParse(value)
    if (!parsed.success) {
      throw new RunnerError('UPSTREAM_FORMAT', `the index does not have the expected shape: ${parsed.error.message.slice(0, 400)}`, {
        where: redactUrl(this.resolve(url)),
        hint: 'the upstream format changed or the mirror serves something else; update the plugin or fix the mirror',
      })
    }
    return parsed.data
  }

  /** Opens a streaming GET with retries; the body is aborted if idle for `idleTimeoutMs`. */
  async open(url: string): Promise<OpenedDownload> {
    const target = this.resolve(url)
    const retries = this.settings.retries ?? 3
    const idle = this.settings.idleTimeoutMs ?? 30_000
    let lastError: unknown
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const wait = Math.min(250 * 2 ** (attempt - 1), 4_000)
        this.settings.logger.warn(`retrying ${redactUrl(target)} in ${wait} ms (${describe(lastError)})`)
        await sleep(wait, undefined, { signal: this.settings.signal })
      }
      const controller = new AbortController()
      const onAbort = () => controller.abort(this.settings.signal?.reason)
      this.settings.signal?.addEventListener('abort', onAbort, { once: true })
      let timer = setTimeout(() => controller.abort(new Error(`no response for ${idle} ms`)), idle)
      try {
        this.settings.onRequest?.(target)
        const { url: bare, headers } = withBasicAuth(target)
        const res = await fetch(bare, { signal: controller.signal, redirect: 'follow', headers })
        if (!res.ok) {
          await res.body?.cancel().catch(() => undefined)
          clearTimeout(timer)
          const error = new RunnerError('DOWNLOAD_FAILED', `HTTP ${res.status} ${res.statusText}`.trim(), {
            where: redactUrl(target),
            hint: res.status === 404 ? 'the file is not on the server; check the version and the mirror layout' : 'the server refused; check credentials and the mirror',
            details: { status: res.status },
          })
          if (RETRYABLE.has(res.status)) {
            lastError = error
            continue
          }
          throw error
        }
        const size = Number(res.headers.get('content-length')) || undefined
        const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream)
        const bump = () => {
          clearTimeout(timer)
          timer = setTimeout(() => body.destroy(new RunnerError('DOWNLOAD_FAILED', `stalled: no data for ${idle} ms`, { where: redactUrl(target), hint: 'the server or network is stuck; retry later' })), idle)
        }
        body.on('data', bump)
        body.once('close', () => {
          clearTimeout(timer)
          this.settings.signal?.removeEventListener('abort', onAbort)
        })
        bump()
        return { body, size, fetchedFrom: redactUrl(target) }
      } catch (err) {
        clearTimeout(timer)
        this.settings.signal?.removeEventListener('abort', onAbort)
        if (err instanceof RunnerError) throw err
        if (this.settings.signal?.aborted) throw err
        lastError = err
      }
    }
    throw new RunnerError('DOWNLOAD_FAILED', `could not fetch after ${retries + 1} attempts: ${describe(lastError)}`, {
      where: redactUrl(target),
      hint: this.settings.mirror ? 'check that the mirror is reachable' : 'check network access, or set a mirror with --mirror <id>=<url>',
      cause: lastError,
    })
  }

  /**
   * The byte size of a file from a HEAD request (Content-Length), or undefined when the server
   * does not say. Lets `runner features lock` record sizes without downloading archives.
   */
  async size(url: string): Promise<number | undefined> {
    const target = this.resolve(url)
    const { url: bare, headers } = withBasicAuth(target)
    this.settings.onRequest?.(target)
    try {
      const res = await fetch(bare, { method: 'HEAD', redirect: 'follow', headers, signal: AbortSignal.timeout(this.settings.idleTimeoutMs ?? 30_000) })
      const length = Number(res.headers.get('content-length'))
      return res.ok && Number.isInteger(length) && length > 0 ? length : undefined
    } catch {
      return undefined
    }
  }

  private indexCachePath(target: string): string | undefined {
    if (!this.settings.cacheDir || !this.settings.indexTtlMs) return undefined
    return join(this.settings.cacheDir, 'index', `${createHash('sha256').update(target).digest('hex')}.json`)
  }

  private async readIndexCache(target: string): Promise<string | undefined> {
    const path = this.indexCachePath(target)
    if (!path) return undefined
    try {
      const entry = JSON.parse(await readFile(path, 'utf8')) as { url: string; fetchedAt: number; body: string }
      if (entry.url === target && Date.now() - entry.fetchedAt < this.settings.indexTtlMs!) return entry.body
    } catch {
      // missing or unreadable cache: fetch
    }
    return undefined
  }

  private async writeIndexCache(target: string, body: string): Promise<void> {
    const path = this.indexCachePath(target)
    if (!path) return
    await mkdir(join(path, '..'), { recursive: true })
    const tmp = `${path}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify({ url: target, fetchedAt: Date.now(), body }))
    await rename(tmp, path)
  }
}

/**
 * `fetch` refuses URLs with `user:password@`; mirrors behind basic auth are common (Artifactory,
 * Nexus), so the credentials move into an Authorization header. They are never logged: every
 * message uses `redactUrl`.
 */
function withBasicAuth(target: string): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'user-agent': 'runner-features' }
  const parsed = new URL(target)
  if (!parsed.username && !parsed.password) return { url: target, headers }
  headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`
  parsed.username = ''
  parsed.password = ''
  return { url: parsed.href, headers }
}

function describe(err: unknown): string {
  if (err instanceof RunnerError) return err.message
  const e = err as { message?: string; cause?: { code?: string; message?: string } }
  return [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ') || String(err)
}
