import { RunnerError, defineFeature, type Artifact, type FeatureContext, type RemoteVersion } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }
import { BINARIES, CFT_PLATFORM, chromeSemver, chromeVersion, compareChrome } from './cft.js'
import { knownGoodSchema, lastKnownGoodSchema, type KnownGood } from './schema.js'

const manifest = pkg.runner.feature
const KNOWN_GOOD = `${manifest.upstream}known-good-versions-with-downloads.json`
const LAST_KNOWN_GOOD = `${manifest.upstream}last-known-good-versions-with-downloads.json`

async function knownGood(ctx: FeatureContext): Promise<KnownGood> {
  return ctx.http.json(KNOWN_GOOD, knownGoodSchema)
}

/**
 * Chrome for Testing: versions and download URLs from the CfT JSON endpoints, for one version two
 * zips — `chrome-linux64.zip` and `chromedriver-linux64.zip`, each with its one top directory —
 * extracted side by side into `chrome/<semver>/x64/`. Upstream publishes no digest of any zip, so
 * each artifact is `trustOnFirstUse`: `runner features lock` downloads and pins the sha256s, and
 * an install without that lock fails closed (`CHECKSUM_MISSING`).
 */
export default defineFeature(pkg, {
  /**
   * Every known-good version up to the current Stable channel's (Beta, Dev and Canary builds are
   * newer and would otherwise be `latest`) that has both a linux64 chrome and chromedriver
   * (chromedriver starts at 115). Versions in semver form, see {@link chromeSemver}.
   */
  async listVersions(ctx): Promise<RemoteVersion[]> {
    const [all, last] = await Promise.all([knownGood(ctx), ctx.http.json(LAST_KNOWN_GOOD, lastKnownGoodSchema)])
    const stable = last.channels.Stable.version
    const out: RemoteVersion[] = []
    for (const v of all.versions) {
      const semver = chromeSemver(v.version)
      if (!semver || compareChrome(v.version, stable) > 0) continue
      if (BINARIES.every((b) => v.downloads[b]?.some((d) => d.platform === CFT_PLATFORM.x64))) out.push({ version: semver })
    }
    return out
  },

  async artifacts(version, platform, ctx): Promise<Artifact[]> {
    const chrome = chromeVersion(version.version)
    if (platform.arch !== 'x64') {
      throw new RunnerError('UNSUPPORTED_PLATFORM', `Chrome for Testing publishes no linux-${platform.arch} build (only linux64)`, { where: `chrome@${version.version}`, hint: 'use an x64 runner, or Debian\'s chromium package on arm64' })
    }
    const entry = (await knownGood(ctx)).versions.find((v) => v.version === chrome)
    return BINARIES.map((binary) => {
      const url = entry?.downloads[binary]?.find((d) => d.platform === CFT_PLATFORM.x64)?.url
      if (!url) {
        throw new RunnerError('UNSUPPORTED_PLATFORM', `Chrome for Testing ${chrome} has no ${binary} download for linux64`, { where: KNOWN_GOOD, hint: 'pick another version; see runner features versions chrome' })
      }
      return { url, sha256: '', trustOnFirstUse: true, checksumSource: KNOWN_GOOD, archive: 'zip', strip: 0 }
    })
  },

  env(installDir) {
    // What Puppeteer and Selenium Manager read before downloading a browser of their own.
    return { CHROME_BIN: `${installDir}/chrome-linux64/chrome`, CHROMEWEBDRIVER: `${installDir}/chromedriver-linux64` }
  },
})
