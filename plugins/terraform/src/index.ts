import { RunnerError, checksumFor, defineFeature, parseChecksumFile, type RemoteVersion } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }
import { hashicorpIndexSchema } from './schema.js'

const manifest = pkg.runner.feature
const PRODUCT = 'terraform'
const GOARCH = { x64: 'amd64', arm64: 'arm64' } as const

/**
 * Terraform from releases.hashicorp.com: versions from `terraform/index.json`, checksums from
 * `terraform/<V>/terraform_<V>_SHA256SUMS`, one zip per platform holding a static binary. The
 * index carries absolute build URLs; core rebases them onto a mirror when one is set, so one
 * HashiCorp mirror serves every HashiCorp product.
 */
export default defineFeature({
  ...manifest,
  platforms: [{ os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc', 'musl'] }],
  bins: ['terraform'],
  smokeTest: { command: ['terraform', 'version'], expect: 'Terraform v{{version}}' },

  async listVersions(ctx): Promise<RemoteVersion[]> {
    const index = await ctx.http.json(`${manifest.upstream}${PRODUCT}/index.json`, hashicorpIndexSchema)
    return Object.values(index.versions).map((r) => ({ version: r.version }))
  },

  async artifact(version, platform, ctx) {
    const indexUrl = `${manifest.upstream}${PRODUCT}/index.json`
    const index = await ctx.http.json(indexUrl, hashicorpIndexSchema)
    const release = index.versions[version.version]
    const build = release?.builds.find((b) => b.os === 'linux' && b.arch === GOARCH[platform.arch])
    if (!release || !build) {
      throw new RunnerError('UNSUPPORTED_PLATFORM', `terraform ${version.version} has no linux_${GOARCH[platform.arch]} build`, { where: indexUrl, hint: 'pick another version; see runner features versions terraform' })
    }
    const sumsUrl = `${manifest.upstream}${PRODUCT}/${version.version}/${release.shasums}`
    const sums = parseChecksumFile(await ctx.http.text(sumsUrl), sumsUrl)
    return { url: build.url, sha256: checksumFor(sums, build.filename, sumsUrl), checksumSource: sumsUrl, archive: 'zip', strip: 0 }
  },
})
