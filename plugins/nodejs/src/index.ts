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
 * Windows: nodejs.org publishes `node-v<V>-win-<arch>.zip` (x64 and arm64 for 20+, listed in the
 * same SHASUMS256.txt, so the same signature covers them). Its top dir holds `node.exe`, `npm.cmd`,
 * `npx.cmd`, `corepack.cmd` and `node_modules/`, no `bin/`: stripped of that dir it is what
 * setup-node expects on Windows (`node/<V>/x64/node.exe`, the version dir itself on PATH), hence
 * the Windows bin list. The smoke test runs `node.exe --version` there (its bins are parallel).
 */
export default defineFeature(pkg, {
  bins: { linux: ['bin/node', 'bin/npm', 'bin/npx', 'bin/corepack'], windows: ['node.exe', 'npm.cmd', 'npx.cmd', 'corepack.cmd'] },
  smokeTest: { command: ['bin/node', '--version'], expect: 'v{{version}}' },

  async listVersions(ctx): Promise<RemoteVersion[]> {
    const index = await ctx.http.json(`${manifest.upstream}index.json`, nodeIndexSchema)
    return index.map((entry) => ({ version: entry.version.replace(/^v/, ''), lts: entry.lts || false, date: entry.date }))
  },

  /** For `mirror build`: `index.json` with only the mirrored versions' entries, each as upstream wrote it. */
  async mirrorIndex(versions, ctx) {
    const url = `${manifest.upstream}index.json`
    const index = await ctx.http.json(url, nodeIndexSchema)
    return [{ url, body: `${JSON.stringify(index.filter((entry) => versions.includes(entry.version.replace(/^v/, ''))))}\n` }]
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
