import { RunnerError } from './errors.js'

/**
 * Per-archive limits the extractor enforces while it writes, so a hostile or broken archive is
 * stopped before it fills the disk or the inode table (`ARCHIVE_TOO_LARGE`).
 */
export interface ArchiveLimits {
  /** Most bytes of file content one archive may expand to. */
  maxExpandedBytes: number
  /** Most entries (files, dirs, links) one archive may hold. */
  maxEntries: number
  /**
   * Most bytes written per compressed byte read, checked once more than {@link RATIO_FLOOR} is
   * written: a compression bomb (1 MiB → 1 GiB) is stopped early even under the size limit.
   */
  maxExpansionRatio: number
}

/**
 * Generous on purpose: the limits guard against bombs, not big tools. The largest archives
 * features install are single CUDA redist components (libcublas, cudnn: 1-3 GiB expanded) and
 * SDKs such as the Android NDK (~2.5 GiB, tens of thousands of files); a JDK is ~0.3 GiB / ~500
 * files, Node ~0.2 GiB / ~6,000 files, Go ~0.25 GiB / ~15,000 files. 8 GiB and 200,000 entries
 * leave 3x headroom over the largest of them. Real tool archives compress 3-20x; gzip cannot
 * exceed ~1030x, so 100x past 256 MiB only ever catches data made to expand.
 */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxExpandedBytes: 8 * 1024 ** 3,
  maxEntries: 200_000,
  maxExpansionRatio: 100,
})

/** The ratio check starts once this many bytes are written (small archives of text can compress very well). */
export const RATIO_FLOOR = 256 * 1024 ** 2

/** `limits:` in the team config, as written there: sizes like `16G`, counts like `500k`. */
export interface ConfigLimits {
  maxExpandedSize?: string | number
  maxEntries?: string | number
  maxExpansionRatio?: number
}

export const LIMIT_ENV = {
  maxExpandedBytes: 'RUNNER_FEATURES_MAX_EXPANDED_BYTES',
  maxEntries: 'RUNNER_FEATURES_MAX_ARCHIVE_ENTRIES',
  maxExpansionRatio: 'RUNNER_FEATURES_MAX_EXPANSION_RATIO',
} as const

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i
const COUNT = /^\s*(\d+(?:\.\d+)?)\s*([km]?)\s*$/i
const SIZE_UNIT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }
const COUNT_UNIT: Record<string, number> = { '': 1, k: 1_000, m: 1_000_000 }

/** `8G`, `512M`, `1.5GiB`, `1048576` → bytes (binary units: 1G = 1024³). Undefined when not a size. */
export function parseByteSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text > 0 ? text : undefined
  const m = SIZE.exec(text)
  if (!m) return undefined
  const bytes = Math.floor(Number(m[1]) * SIZE_UNIT[m[2]!.toLowerCase()]!)
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined
}

/** `200000`, `200k`, `1.5m` → a count. Undefined when not a positive count. */
export function parseCount(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text > 0 ? text : undefined
  const m = COUNT.exec(text)
  if (!m) return undefined
  const n = Math.floor(Number(m[1]) * COUNT_UNIT[m[2]!.toLowerCase()]!)
  return n > 0 && Number.isSafeInteger(n) ? n : undefined
}

/**
 * The limits for this run: each one from its environment variable, else the team config's
 * `limits:`, else the default. A value that does not parse is an error naming where it came
 * from, never silently the default (a typo must not turn a raised limit back down, or off).
 */
export function archiveLimits(env: Record<string, string | undefined>, config?: ConfigLimits, configWhere = 'limits (team config)'): ArchiveLimits {
  const pick = <K extends keyof ArchiveLimits>(key: K, configKey: keyof ConfigLimits, parse: (v: string | number) => number | undefined, example: string): number => {
    const fromEnv = env[LIMIT_ENV[key]]
    if (fromEnv !== undefined && fromEnv.trim() !== '') {
      const value = parse(fromEnv)
      if (value === undefined) throw invalidLimit(LIMIT_ENV[key], fromEnv, example)
      return value
    }
    const fromConfig = config?.[configKey]
    if (fromConfig !== undefined) {
      const value = parse(fromConfig)
      if (value === undefined) throw invalidLimit(`${configWhere}.${configKey}`, String(fromConfig), example)
      return value
    }
    return DEFAULT_ARCHIVE_LIMITS[key]
  }
  return {
    maxExpandedBytes: pick('maxExpandedBytes', 'maxExpandedSize', parseByteSize, '16G'),
    maxEntries: pick('maxEntries', 'maxEntries', parseCount, '500k'),
    maxExpansionRatio: pick('maxExpansionRatio', 'maxExpansionRatio', parseCount, '200'),
  }
}

function invalidLimit(where: string, value: string, example: string): RunnerError {
  return new RunnerError('INVALID_ARGUMENT', `"${value}" is not a positive limit`, { where, hint: `write a whole number, optionally with a unit, e.g. ${example}` })
}

/** `8589934592` → `8 GiB`, for messages. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`
}
