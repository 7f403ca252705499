import { RunnerError } from '../errors.js'
import type { FeatureContext } from '../context.js'
import type { Artifact, FeatureManifest, MirrorIndexFile, UrlTemplateSource } from '../feature.js'
import type { RemoteVersion } from '../version-spec.js'
import { checksumFor, parseSha256Sums, parseSingleSha256 } from './checksums.js'
import { archiveOf, fileNameOf, platformWords, renderTemplate, type TargetPlatform } from './template.js'
import { declaredBins } from '../platform-support.js'

/** A template relative to the upstream (`index.json`) or absolute; either way under the upstream. */
function absolute(manifest: FeatureManifest, url: string): string {
  return /^https?:\/\//.test(url) ? url : manifest.upstream + url
}

/** Walks `a.b.c` into a parsed JSON value. */
function at(value: unknown, path: string | undefined): unknown {
  return (path ?? '').split('.').filter(Boolean).reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value)
}

/**
 * The versions list: JSON (an array, or the array at `path`, of strings or of objects whose
 * `field` holds the version) or plain text, one version per line. `prefix` (`v`) is stripped.
 * Anything that is not such a list is `UPSTREAM_FORMAT`: an error page must not read as "no versions".
 */
export async function urlTemplateVersions(manifest: FeatureManifest, source: UrlTemplateSource, ctx: FeatureContext): Promise<RemoteVersion[]> {
  const url = absolute(manifest, source.versions.url)
  const format = source.versions.format ?? (source.type === 'index-json' ? 'json' : 'lines')
  let raw: unknown[]
  if (format === 'lines') {
    raw = (await ctx.http.text(url)).split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  } else {
    const list = at(await ctx.http.json(url), source.versions.path)
    if (!Array.isArray(list)) throw new RunnerError('UPSTREAM_FORMAT', `expected a list of versions${source.versions.path ? ` at "${source.versions.path}"` : ''}`, { where: url, hint: 'the upstream format changed or the mirror serves something else' })
    raw = list
  }
  const prefix = source.versions.prefix ?? ''
  return raw.flatMap((item) => {
    const text = typeof item === 'string' ? item : at(item, source.versions.field ?? 'version')
    if (typeof text !== 'string') throw new RunnerError('UPSTREAM_FORMAT', `a versions entry has no ${source.versions.field ?? 'version'} string: ${JSON.stringify(item).slice(0, 80)}`, { where: url, hint: 'the upstream format changed or the mirror serves something else' })
    return text.startsWith(prefix) ? [{ version: text.slice(prefix.length) }] : []
  })
}

/**
 * The versions list trimmed to `versions`, in its own format: for `lines`, the lines naming a kept
 * version (comments and others dropped); for JSON, the same document with the list (at `path`)
 * filtered, every kept item as upstream wrote it.
 */
export async function urlTemplateMirrorIndex(manifest: FeatureManifest, source: UrlTemplateSource, versions: readonly string[], ctx: FeatureContext): Promise<MirrorIndexFile[]> {
  const url = absolute(manifest, source.versions.url)
  const prefix = source.versions.prefix ?? ''
  const keep = (text: unknown) => typeof text === 'string' && text.startsWith(prefix) && versions.includes(text.slice(prefix.length))
  if ((source.versions.format ?? (source.type === 'index-json' ? 'json' : 'lines')) === 'lines') {
    const lines = (await ctx.http.text(url)).split(/\r?\n/).filter((l) => keep(l.trim()))
    return [{ url, body: lines.map((l) => `${l.trim()}\n`).join('') }]
  }
  const document = await ctx.http.json(url)
  const list = at(document, source.versions.path)
  if (!Array.isArray(list)) throw new RunnerError('UPSTREAM_FORMAT', `expected a list of versions${source.versions.path ? ` at "${source.versions.path}"` : ''}`, { where: url, hint: 'the upstream format changed or the mirror serves something else' })
  const kept = list.filter((item) => keep(typeof item === 'string' ? item : at(item, source.versions.field ?? 'version')))
  return [{ url, body: `${JSON.stringify(replaceAt(document, (source.versions.path ?? '').split('.').filter(Boolean), kept))}\n` }]
}

/** A copy of `value` with the value at `keys` replaced (objects along the way copied, not changed). */
function replaceAt(value: unknown, keys: readonly string[], replacement: unknown): unknown {
  if (!keys.length) return replacement
  const [key, ...rest] = keys as [string, ...string[]]
  const object = value as Record<string, unknown>
  return { ...object, [key]: replaceAt(object[key], rest, replacement) }
}

/** The artifact URL from its template; the checksum from a sha256sum listing or a per-file `.sha256`. */
export async function urlTemplateArtifact(manifest: FeatureManifest, source: UrlTemplateSource, version: RemoteVersion, platform: TargetPlatform, ctx: FeatureContext): Promise<Artifact> {
  const where = `${manifest.id}@${version.version}`
  const values = { version: version.version, ...platformWords(platform, source) }
  const url = absolute(manifest, renderTemplate(source.artifact, values, where))
  const fileName = fileNameOf(url)
  const sumsUrl = absolute(manifest, renderTemplate(source.checksums, { ...values, artifact: url.slice(manifest.upstream.length) }, where))
  const text = await ctx.http.text(sumsUrl)
  const sha256 = source.checksums.includes('{artifact}') ? parseSingleSha256(text, fileName, sumsUrl) : checksumFor(parseSha256Sums(text, sumsUrl), fileName, sumsUrl)
  const archive = source.archive ?? archiveOf(fileName)
  const artifact: Artifact = { url, sha256, checksumSource: sumsUrl, archive, strip: source.strip ?? 0 }
  if (archive === 'file') {
    const bin = declaredBins(manifest.bins, platform.os)[0]
    if (!bin) throw new RunnerError('PLUGIN_INVALID', `${fileName} is a single file but the manifest names no bins`, { where, hint: 'add runner.feature.bins: the name the file gets in the install dir' })
    artifact.fileName = bin
  }
  return artifact
}
