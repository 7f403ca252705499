import { checksumFor, defineFeature, githubReleaseMirrorIndex, githubReleaseVersions, parseChecksumFile, type GithubReleaseSource, type RemoteVersion } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }

const manifest = pkg.runner.feature
const HELM_ARCH = { x64: 'amd64', arm64: 'arm64' } as const
/**
 * Where helm's versions are listed: the helm/helm GitHub releases (tags `v<V>`). Only the listing
 * is read; the archives are not release assets (those are `.asc` signatures) but live on
 * get.helm.sh. A mirror serves the listing at `<mirror>api/repos/helm/helm/releases`.
 */
const RELEASES: GithubReleaseSource = { type: 'github-release', repo: 'helm/helm', asset: 'helm-v{version}-{os}-{arch}.tar.gz', checksums: { asset: '{asset}.sha256sum' } }

/**
 * helm from get.helm.sh, the way azure/setup-helm fetches it: `helm-v<V>-linux-<amd64|arm64>.tar.gz`
 * (one directory `linux-<arch>/` holding `helm`, `LICENSE`, `README.md`), its digest in the
 * `.sha256sum` next to it (`<hash>  <file>`). The directory is stripped so `helm` sits at the top
 * of `helm/<V>/<arch>/`, where setup-helm's `toolCache.find('helm', 'v<V>')` and its recursive
 * search for the `helm` file both land.
 */
export default defineFeature(pkg, {
  async listVersions(ctx): Promise<RemoteVersion[]> {
    return githubReleaseVersions(RELEASES, ctx)
  },

  /** For `mirror build`: the helm/helm listing with only the mirrored releases (api.github.com/repos/helm/helm/releases). */
  mirrorIndex: (versions, ctx) => githubReleaseMirrorIndex(RELEASES, versions, ctx),

  async artifact(version, platform, ctx) {
    const file = `helm-v${version.version}-linux-${HELM_ARCH[platform.arch]}.tar.gz`
    const url = `${manifest.upstream}${file}`
    const sumsUrl = `${url}.sha256sum`
    const sha256 = checksumFor(parseChecksumFile(await ctx.http.text(sumsUrl), sumsUrl), file, sumsUrl)
    return { url, sha256, checksumSource: sumsUrl, archive: 'tar.gz', strip: 1 }
  },
})
