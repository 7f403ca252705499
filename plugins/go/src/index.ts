import { RunnerError, defineFeature, type FeatureContext, type RemoteVersion } from '@runner-features/kit'
import { z } from 'zod'
import pkg from '../package.json' with { type: 'json' }
import { goReleasesSchema, type GoRelease } from './schema.js'
import { goSemver } from './version.js'

const manifest = pkg.runner.feature
/** Every release, pre-releases and old ones included (`mode=json` alone lists only the two current). */
const RELEASES_URL = `${manifest.upstream}?mode=json&include=all`
const GOARCH = { x64: 'amd64', arm64: 'arm64' } as const

/**
 * Options (team config). `toolchain` is what `GOTOOLCHAIN` is set to: `local` (the default, as
 * actions/setup-go sets it) keeps `go` from downloading another toolchain when a go.mod asks for a
 * newer one, which would leave the tool cache and fetch from the internet mid-build.
 */
const options = z.strictObject({
  toolchain: z.string().regex(/^(local|auto|path|go\d+\.\d+(\.\d+)?((rc|beta)\d+)?(\+(auto|path))?)$/, 'a GOTOOLCHAIN value: local, auto, path, go1.22.1, go1.22.1+auto').default('local'),
})

async function releases(ctx: FeatureContext): Promise<GoRelease[]> {
  return ctx.http.json(RELEASES_URL, goReleasesSchema)
}

/**
 * Go from go.dev/dl: versions and sha256s from the JSON release list, archives
 * `go<V>.linux-<amd64|arm64>.tar.gz` with one top directory `go/`. Installed as the tool-cache
 * tool `go` under setup-go's semver directory name (`go1.20` → `1.20.0`), so
 * `actions/setup-go` with `go-version: '1.20'` finds it without downloading. The smoke test
 * expects only `go<major.minor>`: releases before 1.21 print `go1.20` for 1.20.0.
 */
export default defineFeature(pkg, {
  options,

  async listVersions(ctx): Promise<RemoteVersion[]> {
    const out: RemoteVersion[] = []
    for (const release of await releases(ctx)) {
      const version = goSemver(release.version)
      if (version) out.push({ version })
      else ctx.logger.debug(`go: skipping ${release.version} (not a release name setup-go can map to semver)`)
    }
    return out
  },

  /**
   * For `mirror build`: the release list with only the mirrored releases (whole, with their files'
   * sha256s, which `artifact` reads). A static server stores it as `go.dev/dl/index.html`: the URL
   * is the directory `dl/` with a query that servers ignore.
   */
  async mirrorIndex(versions, ctx) {
    const kept = (await releases(ctx)).filter((r) => versions.includes(goSemver(r.version) ?? ''))
    return [{ url: RELEASES_URL, body: `${JSON.stringify(kept)}\n` }]
  },

  async artifact(version, platform, ctx) {
    const release = (await releases(ctx)).find((r) => goSemver(r.version) === version.version)
    const file = release?.files.find((f) => f.os === 'linux' && f.arch === GOARCH[platform.arch] && f.kind === 'archive' && f.filename.endsWith('.tar.gz'))
    if (!release || !file) {
      throw new RunnerError('UNSUPPORTED_PLATFORM', `go ${version.version} has no linux-${GOARCH[platform.arch]} archive`, {
        where: RELEASES_URL,
        hint: 'pick another version; see runner features versions go',
      })
    }
    return { url: `${manifest.upstream}${file.filename}`, sha256: file.sha256, checksumSource: RELEASES_URL, size: file.size, archive: 'tar.gz', strip: 1 }
  },

  /**
   * `GOTOOLCHAIN` (see the option) and the hosted images' `GOROOT_<major>_<minor>_<ARCH>`
   * (`GOROOT_1_22_X64`), which workflows written for GitHub's runners read.
   */
  env(installDir, version, opts) {
    const [major, minor] = version.split('.')
    // The install dir is `<root>/go/<version>/<arch>`: its last segment is the tool-cache arch.
    const arch = installDir.split('/').at(-1)!.toUpperCase()
    return { GOTOOLCHAIN: typeof opts.toolchain === 'string' ? opts.toolchain : 'local', [`GOROOT_${major}_${minor}_${arch}`]: installDir }
  },
})
