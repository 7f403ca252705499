import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { RunnerError, applyMirrorRewrites, assertNetworkAllowed, isRunnerError, networkPolicy, rebaseUrl, redactUrl, type HttpClient, type Logger, type NetworkPolicy, type Schema } from '@runner-features/core'
import { fileUrlSize, openFileUrl } from './http/file-mirror.js'
import { describe, openDownload, type DownloadSettings } from './http/download.js'
import { IndexCache } from './http/index-cache.js'
import { sendRequest } from './http/request.js'
import { isRetryableError, isRetryableStatus, parseRetryAfter, retryDelay } from './http/retry.js'
import { tuningFromEnv, type NetworkTuning } from './http/settings.js'

export { DEFAULT_TUNING, TUNING_ENV, tuningFromEnv, type NetworkTuning } from './http/settings.js'
export { proxyFor } from './http/proxy.js'

export interface HttpSettings extends Partial<NetworkTuning> {
  /** The feature's canonical upstream base; with `mirror`, URLs under it are rebased. */
  upstream: string
  mirror?: string
  logger: Logger
  signal?: AbortSignal
  /**
   * Where proxies (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) and the `RUNNER_FEATURES_HTTP_*`
   * tuning are read from; `process.env` when absent. Tuning fields set here win over the env.
   */
  env?: Readonly<Record<string, string | undefined>>
  /** Index responses (text/json) are cached here for `indexTtlMs`; downloads never are. */
  cacheDir?: string
  indexTtlMs?: number
  /** Counts real network requests (tests and `--json` output use it). */
  onRequest?: (url: string) => void
  /**
   * Global mirror rewrites, mirrorsOnly and offline (docs/offline.md). Absent: read from `env`
   * (`RUNNER_FEATURES_MIRRORS`, `…_MIRRORS_FILE`, `…_MIRRORS_ONLY`, `…_OFFLINE`), so every
   * client, a plugin tarball's included, obeys them.
   */
  network?: NetworkPolicy
}

export interface OpenedDownload {
  /**
   * The file's bytes as one continuous stream: it ends only when every byte arrived (resets,
   * stalls and short bodies are resumed inside), or fails with DOWNLOAD_FAILED. No caller needs to
   * compare the count with `size`.
   */
  body: Readable
  /**
   * Content-Length (or Content-Range size) when the server sent one. A getter: a too-long first
   * Content-Length is corrected by a later response, so read it after the body ended.
   */
  readonly size?: number
  /** The URL actually fetched (mirror applied; for messages, already redacted). */
  fetchedFrom: string
}

export interface TextOptions {
  /**
   * Throws when the text is unusable (an HTML error page, a checksum file without the needed
   * line). Given, the text is cached right after it passes, and never when it throws.
   */
  validate?: (text: string) => unknown
}

/**
 * HTTP for one feature: mirror rebasing, proxies, retries with backoff and resume, idle timeouts,
 * and an index cache that only keeps what was used successfully.
 *
 * Index cache protocol for callers: `json(url, schema)` caches once the JSON parsed and matched;
 * `text(url)` holds the response until the caller knows it was good: call
 * {@link commitIndexCache} after a successful run and {@link discardIndexCache} (or
 * {@link withIndexCacheHint}, which also discards) after a failed one. Without either call, text
 * responses are simply not cached.
 */
export class FeatureHttp implements HttpClient {
  private readonly tuning: NetworkTuning
  private readonly env: Readonly<Record<string, string | undefined>>
  private readonly cache: IndexCache
  private readonly network: NetworkPolicy

  constructor(private readonly settings: HttpSettings) {
    this.env = settings.env ?? process.env
    this.network = settings.network ?? networkPolicy(this.env)
    const fromEnv = tuningFromEnv(this.env)
    this.tuning = {
      retries: settings.retries ?? fromEnv.retries,
      idleTimeoutMs: settings.idleTimeoutMs ?? fromEnv.idleTimeoutMs,
      retryBaseMs: settings.retryBaseMs ?? fromEnv.retryBaseMs,
      retryMaxDelayMs: settings.retryMaxDelayMs ?? fromEnv.retryMaxDelayMs,
    }
    // Offline, any cached index is better than none, however old.
    this.cache = new IndexCache(settings.cacheDir, this.network.offline ? Number.POSITIVE_INFINITY : settings.indexTtlMs ?? 0)
  }

  /** Where a canonical URL is really fetched from (the feature's mirror, then the global rewrites). */
  resolve(url: string): string {
    return applyMirrorRewrites(rebaseUrl(url, this.settings.upstream, this.settings.mirror), this.network.rewrites)
  }

  /** Within one run an index is fetched once, however many times plugins ask for it. */
  private readonly memo = new Map<string, Promise<string>>()

  async text(url: string, options: TextOptions = {}): Promise<string> {
    const target = this.resolve(url)
    let pending = this.memo.get(target)
    if (!pending) {
      pending = this.fetchText(target)
      pending.catch(() => this.memo.delete(target))
      this.memo.set(target, pending)
    }
    const text = await pending
    if (options.validate) {
      try {
        await options.validate(text)
      } catch (err) {
        this.memo.delete(target)
        const fromDisk = this.cache.usedFromDisk().includes(redactUrl(target))
        await this.cache.discard(target)
        throw fromDisk ? withNote(err, CACHED_NOTE) : err
      }
      await this.cache.commit(target)
    }
    return text
  }

  private async fetchText(target: string): Promise<string> {
    const cached = await this.cache.read(target)
    if (cached !== undefined) return cached
    const { body } = await this.openTarget(target)
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    this.cache.hold(target, text)
    return text
  }

  /**
   * A small file's bytes (a detached signature), cached with the indexes (base64, committed with
   * them after a successful run) so an offline run still has it.
   */
  async bytes(url: string): Promise<Buffer> {
    const target = this.resolve(url)
    const key = `${target}#base64`
    const cached = await this.cache.read(key)
    if (cached !== undefined) return Buffer.from(cached, 'base64')
    const { body } = await this.openTarget(target)
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(chunk as Buffer)
    const bytes = Buffer.concat(chunks)
    this.cache.hold(key, bytes.toString('base64'))
    return bytes
  }

  /** Parses JSON and, with a schema, validates it; only then is the response cached. */
  async json<T = unknown>(url: string, schema?: Schema<T>): Promise<T> {
    let value: T | undefined
    await this.text(url, { validate: (text) => (value = parseJson(text, schema, redactUrl(this.resolve(url)))) })
    return value as T
  }

  /** Writes the index responses this run used to the cache (call after a successful run). */
  commitIndexCache(): Promise<void> {
    return this.cache.commit()
  }

  /**
   * Drops this run's uncommitted index responses and deletes the cached ones it read: after a
   * failure they may be the cause, so the next run asks the mirror again.
   */
  discardIndexCache(): Promise<void> {
    // Offline the cached indexes cannot be fetched again: a failure keeps them.
    return this.memoCleared(this.network.offline ? Promise.resolve() : this.cache.discard())
  }

  /**
   * For a failed run: when cached index data was used, adds to the error's hint that it came from
   * the cache and has been dropped (`--refresh` forces fresh indexes), then discards the cache as
   * {@link discardIndexCache} does. Returns the error to rethrow.
   */
  async withIndexCacheHint(err: unknown): Promise<unknown> {
    const used = this.cache.usedFromDisk()
    await this.discardIndexCache()
    if (!used.length) return err
    return withNote(err, `${CACHED_NOTE} (${used.join(', ')})`)
  }

  private async memoCleared(done: Promise<void>): Promise<void> {
    await done
    this.memo.clear()
  }

  /** Opens a streaming GET that retries, resumes mid-body and fails only with DOWNLOAD_FAILED. */
  async open(url: string): Promise<OpenedDownload> {
    return this.openTarget(this.resolve(url))
  }

  private async openTarget(target: string): Promise<OpenedDownload> {
    if (target.startsWith('file:')) return { ...(await openFileUrl(target)), fetchedFrom: redactUrl(target) }
    assertNetworkAllowed(target, this.network)
    const opened = await openDownload(target, this.downloadSettings())
    return {
      body: opened.body,
      get size() {
        return opened.size
      },
      fetchedFrom: redactUrl(target),
    }
  }

  private downloadSettings(): DownloadSettings {
    const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => this.env[name])
    return {
      env: this.env,
      logger: this.settings.logger,
      signal: this.settings.signal,
      idleTimeoutMs: this.tuning.idleTimeoutMs,
      retries: this.tuning.retries,
      backoff: { baseMs: this.tuning.retryBaseMs, maxDelayMs: this.tuning.retryMaxDelayMs },
      networkHint: this.settings.mirror
        ? `check that the mirror is reachable${proxied ? ' through the proxy (or list it in NO_PROXY)' : ''}`
        : `check network access${proxied ? ' and the proxy (HTTPS_PROXY, NO_PROXY)' : ''}, or set a mirror with --mirror <id>=<url>`,
      onRequest: this.guardedOnRequest(),
    }
  }

  /** Under mirrorsOnly a redirect to a host no rewrite allows is refused before it is requested. */
  private guardedOnRequest(): ((url: string) => void) | undefined {
    const { onRequest } = this.settings
    if (!this.network.mirrorsOnly && !this.network.offline) return onRequest
    return (url) => {
      assertNetworkAllowed(url, this.network)
      onRequest?.(url)
    }
  }

  /**
   * The byte size of a file from a HEAD request (Content-Length), or undefined when the server
   * does not say (or fails after the same retries as a download). Lets `runner features lock`
   * record sizes without downloading archives.
   */
  async size(url: string): Promise<number | undefined> {
    const target = this.resolve(url)
    if (target.startsWith('file:')) return fileUrlSize(target)
    if (this.network.offline) return undefined
    assertNetworkAllowed(target, this.network)
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs: number | undefined
      try {
        const { res } = await sendRequest(target, { method: 'HEAD', env: this.env, signal: this.settings.signal, timeoutMs: this.tuning.idleTimeoutMs, onRequest: this.guardedOnRequest() })
        res.resume()
        const status = res.statusCode ?? 0
        const length = Number(res.headers['content-length'])
        if (status === 200) return Number.isSafeInteger(length) && length > 0 ? length : undefined
        if (!isRetryableStatus(status) || attempt > this.tuning.retries) return undefined
        retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now())
      } catch (err) {
        this.settings.logger.debug(`HEAD ${redactUrl(target)}: ${describe(err)}`)
        if (isRunnerError(err) || !isRetryableError(err) || attempt > this.tuning.retries) return undefined
      }
      await sleep(retryDelay(attempt, { baseMs: this.tuning.retryBaseMs, maxDelayMs: this.tuning.retryMaxDelayMs }, retryAfterMs), undefined, { signal: this.settings.signal })
    }
  }
}

const CACHED_NOTE = 'this run used cached index data, now dropped: a re-run fetches it again (--refresh always does)'

/** Appends `note` to a RunnerError's hint (other errors pass through unchanged). */
function withNote(err: unknown, note: string): unknown {
  if (!isRunnerError(err)) return err
  return Object.assign(err, { hint: err.hint ? `${err.hint}; ${note}` : note })
}

function parseJson<T>(text: string, schema: Schema<T> | undefined, where: string): T {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new RunnerError('UPSTREAM_FORMAT', 'the response is not JSON', { where, hint: 'the mirror may serve an HTML error page; check its URL', cause: err })
  }
  if (!schema) return value as T
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    throw new RunnerError('UPSTREAM_FORMAT', `the index does not have the expected shape: ${parsed.error.message.slice(0, 400)}`, {
      where,
      hint: 'the upstream format changed or the mirror serves something else; update the plugin or fix the mirror',
    })
  }
  return parsed.data
}
