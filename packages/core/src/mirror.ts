import { RunnerError, redactUrl } from './errors.js'
import type { Env } from './paths.js'

/** `RUNNER_FEATURES_MIRROR_<ID>`: id upper-cased, `-` → `_`. */
export function mirrorEnvName(featureId: string): string {
  return `RUNNER_FEATURES_MIRROR_${featureId.toUpperCase().replace(/-/g, '_')}`
}

/** Parses repeated `--mirror <id>=<url>` flags. */
export function parseMirrorFlags(flags: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const flag of flags) {
    const eq = flag.indexOf('=')
    const id = eq > 0 ? flag.slice(0, eq).trim() : ''
    const url = eq > 0 ? flag.slice(eq + 1).trim() : ''
    if (!id || !url) {
      throw new RunnerError('INVALID_MIRROR', `"${redactUrl(flag)}" is not <feature-id>=<url>`, { where: '--mirror', hint: 'e.g. --mirror nodejs=https://artifacts.example.com/nodejs/' })
    }
    out.set(id, normalizeBase(url, `--mirror ${id}`))
  }
  return out
}

/** The mirror for a feature: a `--mirror` flag wins over the environment. */
export function mirrorFor(featureId: string, flags: ReadonlyMap<string, string>, env: Env): string | undefined {
  const fromFlag = flags.get(featureId)
  if (fromFlag) return fromFlag
  const name = mirrorEnvName(featureId)
  const fromEnv = env[name]
  return fromEnv ? normalizeBase(fromEnv, name) : undefined
}

function normalizeBase(url: string, where: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RunnerError('INVALID_MIRROR', `"${redactUrl(url)}" is not a URL`, { where, hint: 'give an absolute http(s) URL, e.g. https://artifacts.example.com/nodejs/' })
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RunnerError('INVALID_MIRROR', `mirror scheme ${parsed.protocol} is not supported`, { where, hint: 'use an http:// or https:// URL' })
  }
  return url.endsWith('/') ? url : `${url}/`
}

/**
 * Rebases a canonical upstream URL onto the mirror. With a mirror set, a URL outside the upstream
 * base (found inside an index, say) is refused rather than fetched upstream: `MIRROR_ESCAPE`.
 */
export function rebaseUrl(url: string, upstream: string, mirror: string | undefined): string {
  if (!mirror) return url
  if (url.startsWith(upstream)) return mirror + url.slice(upstream.length)
  const api = githubApiPrefix(upstream)
  if (api && url.startsWith(api)) return `${mirror}api/${url.slice(api.length)}`
  // A feature downloading from its own host but listing versions from a GitHub repository's
  // releases (helm: get.helm.sh, helm/helm): the mirror serves that listing under
  // `api/repos/<owner>/<name>/`. Only for a non-GitHub upstream: a GitHub repository upstream
  // covers its own repository alone (another repository's listing is still MIRROR_ESCAPE).
  if (!api && GITHUB_API_REPO.test(url)) return `${mirror}api/${url.slice('https://api.github.com/'.length)}`
  if (url.startsWith(mirror)) return url
  throw new RunnerError('MIRROR_ESCAPE', `${redactUrl(url)} is outside the upstream ${upstream}, so the mirror cannot serve it`, {
    where: redactUrl(url),
    hint: 'the upstream index points somewhere else; mirror that host too or report it to the plugin author',
  })
}

/**
 * The canonical upstream form of a URL: a URL under the mirror (an index that already points at
 * the mirror) is mapped back onto the upstream, so lockfiles and state never record a mirror.
 */
export function canonicalUrl(url: string, upstream: string, mirror: string | undefined): string {
  return mirror && url.startsWith(mirror) ? upstream + url.slice(mirror.length) : url
}

/** `https://api.github.com/repos/<owner>/<name>/…`: one repository's REST API. */
const GITHUB_API_REPO = /^https:\/\/api\.github\.com\/repos\/[\w.-]+\/[\w.-]+\//

/**
 * A GitHub repository upstream (`https://github.com/<owner>/<name>/`) also covers that repository's
 * REST API (`https://api.github.com/repos/<owner>/<name>/`, where its releases are listed); a
 * mirror serves it under `api/` (`<mirror>api/releases`), so one mirror directory holds the
 * listing and the assets. Undefined for any other upstream.
 */
export function githubApiPrefix(upstream: string): string | undefined {
  const m = /^https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/$/.exec(upstream)
  return m ? `https://api.github.com/repos/${m[1]}/` : undefined
}
