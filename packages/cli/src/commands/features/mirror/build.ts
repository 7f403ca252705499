import { Args } from '@oclif/core'
import { resolve } from 'node:path'
import { parseMirrorFlags } from '@runner-features/core'
import { buildMirror, parsePlatforms, type MirrorManifest } from '@runner-features/engine'
import { RunnerCommand, configFlag, lockedPlatformsFlag, mirrorFlag } from '../../../base-command.js'
import { writeOut } from '../../../output.js'
import { createRuntime } from '../../../runtime.js'

export default class FeaturesMirrorBuild extends RunnerCommand {
  static summary = 'Write every file the locked set needs into a directory, in each upstream\'s own layout (<dir>/<host>/<path>).'
  static description = 'Artifacts, checksum files and their signatures, from the download cache or fetched and checked against the lock\'s sha256, and each feature\'s version index trimmed to the locked version, so installs without --frozen resolve against the mirror too (a feature whose plugin cannot trim its index is listed as frozen-only). Serve the directory with any static web server and point the rewrites at it (https://<host>/=<server>/<host>/), or use it as a directory mirror. See docs/offline.md.'
  static examples = ['<%= config.bin %> features mirror build ./mirror', '<%= config.bin %> features mirror build ./mirror --platform linux-x64,linux-arm64']
  static args = { dir: Args.string({ description: 'Directory to write (created; existing files are replaced).', required: true }) }
  static flags = {
    config: configFlag,
    platform: lockedPlatformsFlag,
    mirror: mirrorFlag,
  }

  async run(): Promise<MirrorManifest> {
    const { args, flags } = await this.parse(FeaturesMirrorBuild)
    const dir = resolve(args.dir)
    const manifest = await buildMirror(createRuntime(), {
      cwd: process.cwd(), config: flags.config, dir, platforms: flags.platform === 'all' ? undefined : parsePlatforms(flags.platform),
      mirrors: parseMirrorFlags(flags.mirror ?? []), logger: this.logger, signal: new AbortController().signal,
    })
    if (!this.jsonEnabled()) {
      const hosts = [...new Set(manifest.files.map((f) => f.path.split('/')[0]!))]
      writeOut(`wrote ${manifest.files.length} files for ${Object.keys(manifest.features).length} features (${manifest.platforms.join(', ')}) to ${dir}\n`
        + `rewrites to serve it: ${hosts.map((h) => `https://${h}/=<server>/${h}/`).join(',')}\n`
        + (manifest.frozenOnly?.length ? `frozen installs only (no version index): ${manifest.frozenOnly.join(', ')}\n` : ''))
    }
    return manifest
  }
}
