import { Flags } from '@oclif/core'
import { parseMirrorFlags } from '@runner-features/core'
import { RunnerCommand, configFlag, mirrorFlag, refreshFlag } from '../../base-command.js'
import { writeOut } from '../../output.js'
import { lockProject, parsePlatforms, type LockReport } from '@runner-features/engine'
import { createRuntime } from '../../runtime.js'

export default class FeaturesLock extends RunnerCommand {
  static summary = 'Write runner-features.lock for the team config: versions, plugins, and per platform the upstream URL and sha256.'
  static description = 'Every platform is filled from the upstream checksum files and indexes without downloading an archive, so one machine locks for all. Locked versions that still satisfy the config are kept (use `upgrade` to move them). Mirrors are used for fetching but never written into the lock.'
  static examples = ['<%= config.bin %> features lock', '<%= config.bin %> features lock --platform linux-x64,linux-arm64']
  static flags = {
    config: configFlag,
    platform: Flags.string({ description: 'all, or a comma-separated list of linux-x64, linux-arm64, linux-x64-musl, linux-arm64-musl, windows-x64, windows-arm64 (only those a feature supports are written; Windows ones can be locked from Linux).', default: 'all' }),
    mirror: mirrorFlag,
    refresh: refreshFlag,
  }

  async run(): Promise<LockReport> {
    const { flags } = await this.parse(FeaturesLock)
    const report = await lockProject(createRuntime(), { cwd: process.cwd(), config: flags.config, platforms: parsePlatforms(flags.platform), explicit: flags.platform !== 'all', mirrors: parseMirrorFlags(flags.mirror ?? []), refresh: flags.refresh, logger: this.logger, signal: new AbortController().signal })
    for (const w of report.warnings) this.logger.warn(w)
    if (!this.jsonEnabled()) {
      const lines = report.features.map((f) => `${f.id}@${f.version}  ${f.platforms.join(', ') || '(no platform)'}`)
      writeOut(`${lines.join('\n')}\n${report.written ? 'wrote' : 'unchanged:'} ${report.lockfile} (${report.requests} requests, no archive downloaded)\n`)
    }
    return report
  }
}
