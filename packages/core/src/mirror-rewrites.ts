import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RunnerError, redactUrl } from './errors.js'
import type { Env } from './paths.js'

/** One global mirror rewrite: a URL starting with `prefix` is fetched from `replacement` + the rest. */
export interface MirrorRewrite {
  prefix: string
  /** An http(s):// or file:// URL ending in `/` when the prefix does (a directory is stored as file://). */
  replacement: string
  /** Where the rule was written (env name, `file:line`), for messages. */
  where: string
}

/**
 * How this run may reach the network. Built once per run from the environment and the team
 * config (`networkPolicy`); every HTTP client of every feature and plugin applies it.
 */
export interface NetworkPolicy {
  /** First match wins; environment rules come before the team config's. */
  rewrites: MirrorRewrite[]
  /** Refuse any http(s) URL the rewrites did not send to one of their replacements' origins. */
  mirrorsOnly: boolean
  /** Never open a network connection: only file:// mirrors, the download cache and cached indexes. */
  offline: boolean
}

export const MIRRORS_ENV = 'RUNNER_FEATURES_MIRRORS'
export const MIRRORS_FILE_ENV = 'RUNNER_FEATURES_MIRRORS_FILE'
export const MIRRORS_ONLY_ENV = 'RUNNER_FEATURES_MIRRORS_ONLY'
export const OFFLINE_ENV = 'RUNNER_FEATURES_OFFLINE'

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes)$/i.test(v.trim())

/**
 * Parses `prefix=replacement` rules, separated by commas or new lines (`#` starts a comment line).
 * A replacement may be an http(s):// URL, a file:// URL or an absolute directory path.
 */
export function parseMirrorRewrites(text: string, where: string): MirrorRewrite[] {
  const out: MirrorRewrite[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    const at = text.includes('\n') ? `${where}:${i + 1}` : where
    for (const part of line.split(',')) {
      const rule = part.trim()
      if (!rule || rule.startsWith('#')) continue
      const eq = rule.indexOf('=')
      if (eq <= 0) {
        throw new RunnerError('INVALID_MIRROR', `"${redactUrl(rule)}" is not <url prefix>=<replacement>`, { where: at, hint: 'e.g. https://github.com/=https://artifacts.example.com/github/' })
      }
      out.push(mirrorRewrite(rule.slice(0, eq).trim(), rule.slice(eq + 1).trim(), at))
    }
  })
  return out
}

/** Validates one rule; a directory replacement becomes a file:// URL. */
export function mirrorRewrite(prefix: string, replacement: string, where: string, baseDir = process.cwd()): MirrorRewrite {
  if (!/^https?:\/\/[^/]+/.test(prefix)) {
    throw new RunnerError('INVALID_MIRROR', `mirror prefix "${redactUrl(prefix)}" is not an http(s) URL`, { where, hint: 'the prefix is the start of an upstream URL, e.g. https://nodejs.org/dist/' })
  }
  let target = replacement
  if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    if (!target) throw new RunnerError('INVALID_MIRROR', `mirror for ${redactUrl(prefix)} has no replacement`, { where, hint: 'give a URL or a directory after "="' })
    const dir = isAbsolute(target) ? target : resolve(baseDir, target)
    target = pathToFileURL(dir).href + (prefix.endsWith('/') && !dir.endsWith('/') ? '/' : '')
  }
  let parsed: URL
  try {
    parsed = new URL(target)
  } catch {
    throw new RunnerError('INVALID_MIRROR', `"${redactUrl(target)}" is not a URL`, { where, hint: 'give an http(s):// or file:// URL, or an absolute directory' })
  }
  if (!['http:', 'https:', 'file:'].includes(parsed.protocol)) {
    throw new RunnerError('INVALID_MIRROR', `mirror scheme ${parsed.protocol} is not supported`, { where, hint: 'use http://, https://, file:// or a directory path' })
  }
  if (prefix.endsWith('/') !== target.endsWith('/')) {
    throw new RunnerError('INVALID_MIRROR', `"${redactUrl(prefix)}" and "${redactUrl(target)}" must both end in "/" or neither`, { where, hint: 'a directory maps onto a directory: end both with "/"' })
  }
  return { prefix, replacement: target, where }
}

/** The URL after the first matching rewrite (unchanged when none matches). */
export function applyMirrorRewrites(url: string, rewrites: readonly MirrorRewrite[]): string {
  const rule = rewrites.find((r) => url.startsWith(r.prefix))
  return rule ? rule.replacement + url.slice(rule.prefix.length) : url
}

/**
 * Under `mirrorsOnly` or offline: throws unless `url` may be fetched. file:// always may (it is
 * local); offline refuses every other URL; mirrorsOnly allows only the origins the rewrites send to.
 * `need` names what the request was for (feature, index, artifact) in the message.
 */
export function assertNetworkAllowed(url: string, policy: NetworkPolicy, need = 'a download'): void {
  if (url.startsWith('file:')) return
  if (policy.offline) {
    throw new RunnerError('OFFLINE_UNAVAILABLE', `offline, and ${need} is not in the download cache, the index cache or a file:// mirror: ${redactUrl(url)}`, {
      where: redactUrl(url),
      hint: 'run once online (or install --from a bundle), or add a directory mirror: RUNNER_FEATURES_MIRRORS="<prefix>=/path/to/mirror/"',
    })
  }
  if (!policy.mirrorsOnly) return
  const origin = safeOrigin(url)
  const allowed = policy.rewrites.some((r) => !r.replacement.startsWith('file:') && safeOrigin(r.replacement) === origin)
  if (!allowed) {
    throw new RunnerError('MIRROR_REQUIRED', `mirrorsOnly is set and no mirror rewrite covers ${redactUrl(url)}`, {
      where: redactUrl(url),
      hint: `add a rewrite for it (team config mirrors: or ${MIRRORS_ENV}="<prefix>=<mirror>"), or unset mirrorsOnly/${MIRRORS_ONLY_ENV}`,
    })
  }
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

/** The team config's part of the policy (see `runnerConfigSchema`): rules already validated. */
export interface ConfigNetwork {
  mirrors?: MirrorRewrite[]
  mirrorsOnly?: boolean
}

/**
 * The run's network policy: `RUNNER_FEATURES_MIRRORS` (inline rules), then the rules in the file
 * `RUNNER_FEATURES_MIRRORS_FILE`, then the team config's `mirrors:`; `mirrorsOnly` from
 * `RUNNER_FEATURES_MIRRORS_ONLY=1` or the config; offline from `RUNNER_FEATURES_OFFLINE=1`
 * (`--offline` sets it).
 */
export function networkPolicy(env: Env, config: ConfigNetwork = {}): NetworkPolicy {
  const rewrites: MirrorRewrite[] = []
  const inline = env[MIRRORS_ENV]
  if (inline) rewrites.push(...parseMirrorRewrites(inline, MIRRORS_ENV))
  const file = env[MIRRORS_FILE_ENV]
  if (file) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new RunnerError('INVALID_MIRROR', `cannot read the mirrors file ${file}`, { where: MIRRORS_FILE_ENV, hint: 'point it at a readable file of <prefix>=<replacement> lines', cause: err })
    }
    rewrites.push(...parseMirrorRewrites(text, file))
  }
  rewrites.push(...(config.mirrors ?? []))
  return { rewrites, mirrorsOnly: truthy(env[MIRRORS_ONLY_ENV]) || config.mirrorsOnly === true, offline: truthy(env[OFFLINE_ENV]) }
}
