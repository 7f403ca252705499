import { RunnerError } from '@runner-features/core'

/** Network tuning and where it comes from; every field has a default. */
export interface NetworkTuning {
  /** Attempts after the first, for a whole download (connects and mid-body resumes). */
  retries: number
  /** No response headers, or no body byte while reading, for this long counts as a stall. */
  idleTimeoutMs: number
  /** First backoff step (doubles each retry, full jitter). */
  retryBaseMs: number
  /** Longest single wait, including one a server asks for with `Retry-After`. */
  retryMaxDelayMs: number
}

export const DEFAULT_TUNING: NetworkTuning = { retries: 4, idleTimeoutMs: 30_000, retryBaseMs: 500, retryMaxDelayMs: 30_000 }

/** The environment variables that override {@link DEFAULT_TUNING} (documented in the README). */
export const TUNING_ENV: Record<keyof NetworkTuning, string> = {
  retries: 'RUNNER_FEATURES_HTTP_RETRIES',
  idleTimeoutMs: 'RUNNER_FEATURES_HTTP_TIMEOUT_MS',
  retryBaseMs: 'RUNNER_FEATURES_HTTP_RETRY_BASE_MS',
  retryMaxDelayMs: 'RUNNER_FEATURES_HTTP_RETRY_MAX_DELAY_MS',
}

/** Tuning from the environment over the defaults; a value that is not a whole number ≥ 0 is refused. */
export function tuningFromEnv(env: Readonly<Record<string, string | undefined>>): NetworkTuning {
  const tuning = { ...DEFAULT_TUNING }
  for (const key of Object.keys(TUNING_ENV) as (keyof NetworkTuning)[]) {
    const name = TUNING_ENV[key]
    const raw = env[name]?.trim()
    if (!raw) continue
    if (!/^\d+$/.test(raw)) {
      throw new RunnerError('INVALID_ARGUMENT', `${name}="${raw}" is not a whole number`, { where: name, hint: `unset it or give e.g. ${name}=${DEFAULT_TUNING[key]}` })
    }
    tuning[key] = Number(raw)
  }
  if (tuning.idleTimeoutMs === 0) tuning.idleTimeoutMs = DEFAULT_TUNING.idleTimeoutMs
  return tuning
}
