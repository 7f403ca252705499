import { checksumFor, defineFeature, parseChecksumFile, type RemoteVersion } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }
import { nodeIndexSchema } from './schema.js'

const manifest = pkg.runner.feature

/**
 * Node.js from nodejs.org/dist. Versions and LTS codenames come from `index.json` (its own `lts`
 * field, never a hard-coded table); checksums from `v<V>/SHASUMS256.txt`. Archives are
 * `node-v<V>-linux-<arch>.tar.gz` with one top directory, installed as the tool-cache tool `node`
 * so actions/setup-node finds `node/<V>/<arch>/bin/node` without downloading.
 *
 * Windows: nodejs.org publishes `node-v<V>-win-<arch>.zip` (listed in the same SHASUMS256.txt), so
 * `artifact` maps a `windows` platform to it. The manifest does not declare Windows yet (its
 * `platforms` schema is Linux-only and the zip has `node.exe` at the top, not `bin/node`), so this
 * mapping is unit-tested only and never selected by an install.
 */
export default defineFeature(pkg, {
  bins: ['bin/node', 'bin/npm', 'bin/npx', 'bin/corepack'],
  smokeTest: { command: ['bin/node', '--version'], expect: 'v{{version}}' },

  async listVersions(ctx): Promise<RemoteVersion[]> {
    const index = await ctx.http.json(`${manifest.upstream}index.json`, nodeIndexSchema)
    return index.map((entry) => ({ version: entry.version.replace(/^v/, ''), lts: entry.lts || false, date: entry.date }))
  },

  async artifact(version, platform, ctx) {
    const dir = `${manifest.upstream}v${version.version}/`
    const windows = platform.os === 'windows'
    const file = windows ? `node-v${version.version}-win-${platform.arch}.zip` : `node-v${version.version}-linux-${platform.arch}.tar.gz`
    const sumsUrl = `${dir}SHASUMS256.txt`
    const sums = parseChecksumFile(await ctx.http.text(sumsUrl), sumsUrl)
    return { url: dir + file, sha256: checksumFor(sums, file, sumsUrl), checksumSource: sumsUrl, archive: windows ? 'zip' : 'tar.gz', strip: 1 }
  },
})
