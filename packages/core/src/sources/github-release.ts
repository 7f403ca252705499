import { z } from 'zod'
import { RunnerError, isRunnerError } from '../errors.js'
import type { FeatureContext } from '../context.js'
import type { Artifact, FeatureManifest, GithubReleaseSource, MirrorIndexFile } from '../feature.js'
import type { RemoteVersion } from '../version-spec.js'
import { parseRhashTable, parseSha256Sums, parseSingleSha256, checksumFor } from './checksums.js'
import { archiveOf, platformWords, renderTemplate, type TargetPlatform } from './template.js'
import { declaredBins } from '../platform-support.js'

/** GitHub's REST API; the only host a `GITHUB_TOKEN` is ever sent to (see `githubAuthHeaders`). */
export const GITHUB_API = 'https://api.github.com/'
/** Releases per page: the API's maximum, so most repositories list in one request. */
const PER_PAGE = 100
/** 20 pages = 2000 releases; a mirror that ignores `page=` is caught sooner (no new tags). */
const MAX_PAGES = 20

/** The fields of GitHub's "list releases" response that versions need. */
const releasesSchema = z.array(z.looseObject({
  tag_name: z.string(),
  draft: z.boolean().optional(),
  prerelease: z.boolean().optional(),
  published_at: z.string().nullish(),
}))

/** `https://github.com/<repo>/`: where assets live, and the feature's `upstream`. */
export function githubRepoBase(repo: string): string {
  return `https://github.com/${repo}/`
}

/** The API listing for one page: `https://api.github.com/repos/<repo>/releases?per_page=100&page=N`. */
export function githubReleasesUrl(repo: string, page: number): string {
  return `${GITHUB_API}repos/${repo}/releases?per_page=${PER_PAGE}&page=${page}`
}

/** `v{version}` → a matcher that gives the version back from a tag (`v1.2.3` → `1.2.3`). */
function tagMatcher(template: string): (tag: string) => string | undefined {
  const [before, after] = template.split('{version}') as [string, string]
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const re = new RegExp(`^${escape(before)}(\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?)${escape(after)}$`)
  return (tag) => re.exec(tag)?.[1]
}

/**
 * Every release's version, from the releases API page by page. Stops at a short page, or at a
 * page that adds no tag (a static mirror that serves one file whatever `page=` says). Drafts are
 * skipped; tags that do not match the tag template (other products in the same repo) too.
 */
export async function githubReleaseVersions(source: GithubReleaseSource, ctx: FeatureContext): Promise<RemoteVersion[]> {
  const versionOf = tagMatcher(source.tag ?? 'v{version}')
  const seen = new Set<string>()
  const out: RemoteVersion[] = []
  for (let page = 1; page <= MAX_PAGES; page++) {
    const releases = await ctx.http.json(githubReleasesUrl(source.repo, page), releasesSchema).catch((err: unknown) => {
      throw rateLimitHint(err)
    })
    let added = 0
    for (const r of releases) {
      if (seen.has(r.tag_name)) continue
      seen.add(r.tag_name)
      added++
      const version = versionOf(r.tag_name)
      if (!version || r.draft || (source.skipPrereleases && r.prerelease)) continue
      out.push(r.published_at ? { version, date: r.published_at.slice(0, 10) } : { version })
    }
    if (releases.length < PER_PAGE || added === 0) break
  }
  return out
}

/**
 * The releases listing trimmed to the releases of `versions`, as one page: the API's page 1 URL,
 * which a static mirror stores without its query (`api.github.com/repos/<repo>/releases`) and
 * serves for every `page=` (`githubReleaseVersions` stops at a page that adds no tag). Releases are
 * copied whole from the upstream pages. With an rhash table, its column-order asset of each version
 * too: resolving a new version reads it, a frozen install does not.
 */
export async function githubReleaseMirrorIndex(source: GithubReleaseSource, versions: readonly string[], ctx: FeatureContext): Promise<MirrorIndexFile[]> {
  const tagOf = (version: string) => renderTemplate(source.tag ?? 'v{version}', { version }, `${source.repo}@${version}`)
  const wanted = new Set(versions.map(tagOf))
  const kept = new Map<string, unknown>()
  const seen = new Set<string>()
  for (let page = 1; page <= MAX_PAGES && kept.size < wanted.size; page++) {
    const releases = await ctx.http.json(githubReleasesUrl(source.repo, page), releasesSchema).catch((err: unknown) => {
      throw rateLimitHint(err)
    })
    const fresh = releases.filter((r) => !seen.has(r.tag_name))
    for (const r of fresh) {
      seen.add(r.tag_name)
      if (wanted.has(r.tag_name)) kept.set(r.tag_name, r)
    }
    if (releases.length < PER_PAGE || !fresh.length) break
  }
  const files: MirrorIndexFile[] = [{ url: githubReleasesUrl(source.repo, 1), body: `${JSON.stringify([...kept.values()])}\n` }]
  const order = source.checksums.hashOrder
  if (order && !/\{(os|arch|libc|asset)\}/.test(order)) {
    for (const version of versions) {
      const tag = tagOf(version)
      const url = `${githubRepoBase(source.repo)}releases/download/${encodeURIComponent(tag)}/${encodeURIComponent(renderTemplate(order, { version, tag }, `${source.repo}@${version}`))}`
      files.push({ url, body: await ctx.http.text(url), kind: 'checksums' })
    }
  }
  return files
}

/**
 * GitHub answers 403 or 429 when the anonymous limit (60 requests an hour per IP, shared by every
 * runner behind one NAT) is used up; say so, and what fixes it, instead of a bare "HTTP 403".
 */
function rateLimitHint(err: unknown): unknown {
  const status = isRunnerError(err) ? (err.details as { status?: unknown } | undefined)?.status : undefined
  if (!isRunnerError(err) || err.code !== 'DOWNLOAD_FAILED' || (status !== 403 && status !== 429)) return err
  return new RunnerError('DOWNLOAD_FAILED', `${err.message} (GitHub's API refused the release listing; its anonymous rate limit is 60 requests an hour per IP)`, {
    where: err.where,
    hint: 'set GITHUB_TOKEN (sent only to the GitHub API), or serve the listing from a mirror: RUNNER_FEATURES_MIRROR_<ID> with <mirror>api/releases (docs/plugins.md, "Mirror layouts")',
    cause: err,
    details: err.details,
  })
}

/** The asset for one platform, its checksum from the declared checksum asset(s). */
export async function githubReleaseArtifact(manifest: FeatureManifest, source: GithubReleaseSource, version: RemoteVersion, platform: TargetPlatform, ctx: FeatureContext): Promise<Artifact> {
  const where = `${manifest.id}@${version.version}`
  const tag = renderTemplate(source.tag ?? 'v{version}', { version: version.version }, where)
  const values = { version: version.version, tag, ...platformWords(platform, source) }
  const asset = renderTemplate(source.asset, values, where)
  const base = `${githubRepoBase(source.repo)}releases/download/${encodeURIComponent(tag)}/`
  const sumsUrl = base + encodeURIComponent(renderTemplate(source.checksums.asset, { ...values, asset }, where))
  let sha256: string
  if (source.checksums.hashOrder) {
    const orderUrl = base + encodeURIComponent(renderTemplate(source.checksums.hashOrder, { ...values, asset }, where))
    const [table, order] = await Promise.all([ctx.http.text(sumsUrl), ctx.http.text(orderUrl)])
    sha256 = checksumFor(parseRhashTable(table, order, sumsUrl, orderUrl), asset, sumsUrl)
  } else if (source.checksums.asset.includes('{asset}')) {
    sha256 = parseSingleSha256(await ctx.http.text(sumsUrl), asset, sumsUrl)
  } else {
    sha256 = checksumFor(parseSha256Sums(await ctx.http.text(sumsUrl), sumsUrl), asset, sumsUrl)
  }
  const archive = source.archive ?? archiveOf(asset)
  const artifact: Artifact = { url: base + encodeURIComponent(asset), sha256, checksumSource: sumsUrl, archive, strip: source.strip ?? 0 }
  if (archive === 'file') {
    const bin = declaredBins(manifest.bins, platform.os)[0]
    if (!bin) throw new RunnerError('PLUGIN_INVALID', `${asset} is a single file but the manifest names no bins`, { where, hint: 'add runner.feature.bins: the name the file gets in the install dir' })
    artifact.fileName = bin
  }
  return artifact
}

/**
 * The header that authenticates a request to GitHub's API, when `GITHUB_TOKEN` is set and the
 * request goes to the API itself (`https://api.github.com/`, or `GITHUB_API_URL` on GitHub
 * Enterprise Server). Never for any other host: not for a mirror, not for asset downloads.
 * Authenticated, the API allows 5000 requests an hour instead of 60 per IP.
 */
export function githubAuthHeaders(url: string, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const token = env.GITHUB_TOKEN
  if (!token) return {}
  const apiBase = env.GITHUB_API_URL ? `${env.GITHUB_API_URL.replace(/\/+$/, '')}/` : GITHUB_API
  let target: URL
  let api: URL
  try {
    target = new URL(url)
    api = new URL(apiBase)
  } catch {
    return {}
  }
  const sameApi = target.protocol === api.protocol && target.origin === api.origin && target.pathname.startsWith(api.pathname) && !target.username && !target.password
  return sameApi ? { authorization: `Bearer ${token}`, 'x-github-api-version': '2022-11-28' } : {}
}
