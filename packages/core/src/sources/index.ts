import { RunnerError } from '../errors.js'
import type { FeatureContext } from '../context.js'
import type { Artifact, FeatureManifest, InstallLink, MirrorIndexFile, SourceDeclaration } from '../feature.js'
import { describeSupport, supportsTarget } from '../platform-support.js'
import type { RemoteVersion } from '../version-spec.js'
import { githubReleaseArtifact, githubReleaseMirrorIndex, githubReleaseVersions } from './github-release.js'
import { hashicorpArtifact, hashicorpMirrorIndex, hashicorpVersions } from './hashicorp.js'
import { urlTemplateArtifact, urlTemplateMirrorIndex, urlTemplateVersions } from './url-template.js'
import { platformWords, renderTemplate, type TargetPlatform } from './template.js'

export { githubAuthHeaders, githubReleaseMirrorIndex, githubReleaseVersions, githubReleasesUrl, githubRepoBase, GITHUB_API } from './github-release.js'
export { checksumFor, normalizeChecksumText, parseRhashTable, parseSha256Sums, parseSingleSha256 } from './checksums.js'
export { archiveOf, platformWords, renderTemplate, type TargetPlatform } from './template.js'

/** What a declared source gives a feature: the hooks a plugin would otherwise write. */
export interface SourceHooks {
  listVersions(ctx: FeatureContext): Promise<RemoteVersion[]>
  artifact(version: RemoteVersion, platform: TargetPlatform, ctx: FeatureContext): Promise<Artifact>
  /** The index `listVersions` reads, trimmed for a mirror directory (see `Feature.mirrorIndex`). */
  mirrorIndex(versions: readonly string[], ctx: FeatureContext): Promise<MirrorIndexFile[]>
}

/** True when some `platforms` entry covers os × arch × libc (distro checks are core's, earlier). */
function covers(manifest: FeatureManifest, p: TargetPlatform): boolean {
  return supportsTarget(manifest, p)
}

/**
 * `listVersions` and `artifact` for a manifest's declared source. The upstream must be where the
 * source's URLs live (a mirror replaces exactly that prefix): `https://github.com/<repo>/` for
 * `github-release`, `https://releases.hashicorp.com/` for `hashicorp`.
 */
export function sourceHooks(manifest: FeatureManifest, source: SourceDeclaration): SourceHooks {
  if (source.type === 'github-release' && manifest.upstream !== `https://github.com/${source.repo}/`) {
    throw new RunnerError('PLUGIN_INVALID', `a github-release source for ${source.repo} needs upstream https://github.com/${source.repo}/ (got ${manifest.upstream})`, { where: `${manifest.id}: runner.feature.upstream`, hint: 'set upstream to the repository URL with a trailing /' })
  }
  const artifact = (version: RemoteVersion, platform: TargetPlatform, ctx: FeatureContext): Promise<Artifact> => {
    if (!covers(manifest, platform)) {
      return Promise.reject(new RunnerError('UNSUPPORTED_PLATFORM', `${manifest.id} publishes no build for ${platform.os}-${platform.arch} (${platform.libc})`, { where: `${manifest.id}@${version.version}`, hint: `supported: ${describeSupport(manifest)}` }))
    }
    switch (source.type) {
      case 'github-release': return githubReleaseArtifact(manifest, source, version, platform, ctx)
      case 'hashicorp': return hashicorpArtifact(manifest, source, version, platform, ctx)
      default: return urlTemplateArtifact(manifest, source, version, platform, ctx)
    }
  }
  const listVersions = (ctx: FeatureContext): Promise<RemoteVersion[]> => {
    switch (source.type) {
      case 'github-release': return githubReleaseVersions(source, ctx)
      case 'hashicorp': return hashicorpVersions(manifest, source, ctx)
      default: return urlTemplateVersions(manifest, source, ctx)
    }
  }
  const mirrorIndex = (versions: readonly string[], ctx: FeatureContext): Promise<MirrorIndexFile[]> => {
    switch (source.type) {
      case 'github-release': return githubReleaseMirrorIndex(source, versions, ctx)
      case 'hashicorp': return hashicorpMirrorIndex(manifest, source, versions, ctx)
      default: return urlTemplateMirrorIndex(manifest, source, versions, ctx)
    }
  }
  return { listVersions, artifact, mirrorIndex }
}

/** The manifest's `symlinks` templates for one version and platform, in the source's vocabulary. */
export function renderLinks(manifest: FeatureManifest, version: string, platform: TargetPlatform): InstallLink[] {
  const vocabulary = manifest.source && manifest.source.type !== 'hashicorp' ? manifest.source : {}
  const values = { version, ...platformWords(platform, vocabulary) }
  const where = `${manifest.id}@${version}`
  return (manifest.symlinks ?? []).map((l) => ({ path: renderTemplate(l.path, values, where), target: renderTemplate(l.target, values, where) }))
}
