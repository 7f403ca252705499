import { Flags } from '@oclif/core'
import { resolve } from 'node:path'
import { parseMirrorFlags } from '@runner-features/core'
import { parsePlatforms, vendorBundle, type MirrorManifest } from '@runner-features/engine'
import { RunnerCommand, configFlag, lockedPlatformsFlag, mirrorFlag } from '../../base-command.js'
import { writeOut } from '../../output.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesVendor extends RunnerCommand {
  static summary = 'Pack every file the locked set needs (artifacts, checksum files, signatures, third-party plugin tarballs) into one tar for a machine without network.'
  static description = 'On the other side: runner features install --from <bundle>. The bundle is the `mirror build` directory (each upstream\'s layout) without version indexes (install --from is always frozen and never reads one) plus a manifest naming the lock it was made from. See docs/offline.md.'
  static examples = ['<%= config.bin %> features vendor -o bundle.tar', '<%= config.bin %> features vendor --platform linux-x64,linux-arm64 -o bundle.tar']
  static flags = {
    output: Flags.string({ char: 'o', description: 'The bundle file to write.', required: true }),
    config: configFlag,
    platform: lockedPlatformsFlag,
    mirror: mirrorFlag,
    registry: Flags.string({ description: 'npm registry the locked third-party plugins\' tarballs are fetched from (each must match the lock\'s integrity).', env: 'npm_config_registry', default: 'https://registry.npmjs.org/' }),
  }

  async run(): Promise<MirrorManifest & { bundle: string }> {
    const { flags } = await this.parse(FeaturesVendor)
    const out = resolve(flags.output)
    const manifest = await vendorBundle(createRuntime(), {
      cwd: process.cwd(), config: flags.config, out, platforms: flags.platform === 'all' ? undefined : parsePlatforms(flags.platform),
      mirrors: parseMirrorFlags(flags.mirror ?? []), registry: flags.registry, logger: this.logger, signal: new AbortController().signal,
    })
    const plugins = manifest.files.filter((f) => f.kind === 'plugin').length
    if (!this.jsonEnabled()) writeOut(`wrote ${out}: ${manifest.files.length} files for ${Object.entries(manifest.features).map(([id, v]) => `${id}@${v}`).join(', ')} (${manifest.platforms.join(', ')})${plugins ? `, with ${plugins} plugin tarball${plugins === 1 ? '' : 's'}` : ''}\n`)
    return { ...manifest, bundle: out }
  }
}
