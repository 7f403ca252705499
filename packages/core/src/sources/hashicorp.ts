import { z } from 'zod'
import { RunnerError } from '../errors.js'
import type { FeatureContext } from '../context.js'
import type { Artifact, FeatureManifest, HashicorpSource, MirrorIndexFile } from '../feature.js'
import type { RemoteVersion } from '../version-spec.js'
import { checksumFor, parseSha256Sums } from './checksums.js'
import { archiveOf, type TargetPlatform } from './template.js'

/** releases.hashicorp.com/<product>/index.json (the fields used). */
const indexSchema = z.looseObject({
  name: z.string(),
  versions: z.record(z.string(), z.looseObject({
    version: z.string(),
    shasums: z.string(),
    builds: z.array(z.looseObject({ os: z.string(), arch: z.string(), filename: z.string(), url: z.string().url() })),
  })),
})

/** HashiCorp's Go arch words. OS words need no map: ours (`linux`, `windows`) are Go's GOOS too. */
const GOARCH = { x64: 'amd64', arm64: 'arm64' } as const

const indexUrl = (manifest: FeatureManifest, source: HashicorpSource) => `${manifest.upstream}${source.product}/index.json`

/** Every version in `<product>/index.json` (pre-releases included; the resolver filters them). */
export async function hashicorpVersions(manifest: FeatureManifest, source: HashicorpSource, ctx: FeatureContext): Promise<RemoteVersion[]> {
  const index = await ctx.http.json(indexUrl(manifest, source), indexSchema)
  return Object.values(index.versions).map((r) => ({ version: r.version }))
}

/**
 * `<product>/index.json` as upstream serves it, keeping only the `versions` entries of `versions`
 * (each entry whole: every build and its URL, so `hashicorpArtifact` reads the trimmed file too).
 */
export async function hashicorpMirrorIndex(manifest: FeatureManifest, source: HashicorpSource, versions: readonly string[], ctx: FeatureContext): Promise<MirrorIndexFile[]> {
  const url = indexUrl(manifest, source)
  const index = await ctx.http.json(url, indexSchema)
  const kept = Object.fromEntries(Object.entries(index.versions).filter(([, r]) => versions.includes(r.version)))
  return [{ url, body: `${JSON.stringify({ ...index, versions: kept })}\n` }]
}

/**
 * The build for one platform from the index (its absolute URL; core rebases it onto a mirror, so
 * one HashiCorp mirror serves every product), checksum from `<product>/<v>/<shasums>`.
 */
export async function hashicorpArtifact(manifest: FeatureManifest, source: HashicorpSource, version: RemoteVersion, platform: TargetPlatform, ctx: FeatureContext): Promise<Artifact> {
  const url = indexUrl(manifest, source)
  const index = await ctx.http.json(url, indexSchema)
  const release = index.versions[version.version]
  const arch = source.arch?.[platform.arch] ?? GOARCH[platform.arch]
  const build = release?.builds.find((b) => b.os === platform.os && b.arch === arch)
  if (!release || !build) {
    throw new RunnerError('UNSUPPORTED_PLATFORM', `${source.product} ${version.version} has no ${platform.os}_${arch} build`, { where: url, hint: `pick another version; see runner features versions ${manifest.id}` })
  }
  const sumsUrl = `${manifest.upstream}${source.product}/${version.version}/${release.shasums}`
  const sums = parseSha256Sums(await ctx.http.text(sumsUrl), sumsUrl)
  return { url: build.url, sha256: checksumFor(sums, build.filename, sumsUrl), checksumSource: sumsUrl, archive: archiveOf(build.filename), strip: 0 }
}
