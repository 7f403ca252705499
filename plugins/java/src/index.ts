import { defineFeature, type Platform } from '@runner-features/kit'
import { z } from 'zod'
import pkg from '../package.json' with { type: 'json' }
import { AVAILABLE_RELEASES_URL, assetsUrl, binaryUrl, listReleases, ltsMajors, mergedReleases, releaseFor, versionsOf } from './adoptium.js'

/** Adoptium's platforms this plugin declares (linux x64 and arm64 with glibc, x64 with musl). */
const PLATFORMS = pkg.runner.feature.platforms.flatMap((p) => p.arch.flatMap((arch) => p.libc.map((libc) => ({ arch, libc })))) as Pick<Platform, 'arch' | 'libc'>[]

/**
 * Options (team config). `set-default` is setup-java's input of the same name: whether this JDK
 * becomes `JAVA_HOME` (it always gets `JAVA_HOME_<major>_<ARCH>`).
 */
const options = z.strictObject({
  'set-default': z.boolean().default(true),
})

/**
 * Eclipse Temurin JDKs from the Adoptium API v3: versions and sha256s from the asset list
 * actions/setup-java's Temurin installer reads, archives from Adoptium's binary endpoint (which
 * redirects to the GitHub release asset). Installed as the tool-cache tool
 * `Java_Temurin-Hotspot_jdk` under the version setup-java would write (`17.0.15+6` → directory
 * `17.0.15-6`, core's rule for build metadata), so `actions/setup-java` with
 * `distribution: temurin` finds it without asking the network.
 */
export default defineFeature(pkg, {
  options,
  // `java -version` prints `1.8.0_302` for 8 and `17.0.15` for 17: `<major>.<minor>` is in both.
  smokeTests: [{ command: ['bin/javac', '-version'], expect: 'javac ' }],

  async listVersions(ctx) {
    const [lts, { releases }] = await Promise.all([ltsMajors(ctx), listReleases(ctx)])
    return versionsOf(releases, lts, ctx.platform)
  },

  /**
   * For `mirror build`: the asset list with only the mirrored releases, and available_releases as
   * upstream wrote it (the LTS majors, no versions). Every platform's asset query is the same file
   * to a static server (the query dropped), stored as `api.adoptium.net/v3/assets/version/[1.0,100.0]`,
   * so its releases carry the binaries of every platform declared here (see mergedReleases). Each
   * platform's list is read only until it has the mirrored versions (newest first: a page or two).
   */
  async mirrorIndex(versions, ctx) {
    const found = (releases: readonly { version_data: { semver: string } }[]) => versions.every((v) => releases.some((r) => r.version_data.semver === v))
    const [available, ...listings] = await Promise.all([ctx.http.text(AVAILABLE_RELEASES_URL), ...PLATFORMS.map((p) => listReleases(ctx, p, found))])
    return [
      { url: AVAILABLE_RELEASES_URL, body: available },
      { url: assetsUrl(ctx.platform, 0), body: `${JSON.stringify(mergedReleases(listings.map((l) => l.releases), versions))}\n` },
    ]
  },

  async artifact(version, platform, ctx) {
    const { releases, source } = await listReleases(ctx, platform)
    const { release, pkg: tarball } = releaseFor(releases, version.version, platform, source)
    return { url: binaryUrl(release, platform), sha256: tarball.checksum, checksumSource: source, size: tarball.size, archive: 'tar.gz', strip: 1 }
  },

  /** What setup-java exports: `JAVA_HOME_<major>_<ARCH>` always, `JAVA_HOME` unless `set-default: false`. */
  env(installDir, version, opts) {
    const major = version.split('.')[0]!
    // The install dir is `<root>/Java_Temurin-Hotspot_jdk/<version>/<arch>`: its last segment is the tool-cache arch.
    const arch = installDir.split('/').at(-1)!.toUpperCase()
    return { ...(opts['set-default'] === false ? {} : { JAVA_HOME: installDir }), [`JAVA_HOME_${major}_${arch}`]: installDir }
  },
})
