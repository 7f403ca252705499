/**
 * When and how long to retry. Pure functions, so the policy is tested without a clock.
 */

/** Statuses worth another try: timeouts, "too early", rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 425 || status === 429) return true
  // 501 Not Implemented and 505 HTTP Version Not Supported will not change on a retry.
  return status >= 500 && status <= 599 && status !== 501 && status !== 505
}

/** Network error codes that a later attempt can plausibly get past. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN',
  'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_CHUNK_SIZE',
])

/** Errors this module raises itself for a stall, a cut connection or a short body. */
export class TransientHttpError extends Error {
  constructor(message: string, readonly code = 'ETRANSIENT') {
    super(message)
    this.name = 'TransientHttpError'
  }
}

/** True for resets, refusals, hang-ups, DNS hiccups, stalls and truncated bodies. */
export function isRetryableError(err: unknown): boolean {
  if (err instanceof TransientHttpError) return true
  const e = err as { code?: unknown; message?: unknown } | undefined
  if (typeof e?.code === 'string' && RETRYABLE_CODES.has(e.code)) return true
  return typeof e?.message === 'string' && /socket hang up|aborted|terminated/i.test(e.message)
}

/** TLS verification failures: a retry will not help, a CA bundle will. */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)
}

/**
 * `Retry-After` in milliseconds: either delta-seconds (`120`) or an HTTP date. Undefined when the
 * header is absent or unreadable; a date in the past means "now" (0).
 */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

export interface BackoffPolicy {
  /** First backoff step; doubles per attempt ("exponential"). */
  baseMs: number
  /** No single wait is longer than this, not even one a server asks for with `Retry-After`. */
  maxDelayMs: number
}

/**
 * How long to wait before attempt number `attempt` (1 = the first retry). A server's `Retry-After`
 * wins, capped; otherwise "full jitter" (a uniform pick in [0, base·2^(attempt-1)], capped), which
 * spreads a fleet of pods that failed together instead of having them retry in lockstep.
 */
export function retryDelay(attempt: number, policy: BackoffPolicy, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs)
  const ceiling = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}
