import { parseMirrorFlags } from '@runner-features/core'
import { RunnerCommand, configFlag, mirrorFlag } from '../../base-command.js'
import { table, writeOut } from '../../output.js'
import { outdatedProject, type OutdatedReport } from '@runner-features/engine'
import { createRuntime } from '../../runtime.js'

export default class FeaturesOutdated extends RunnerCommand {
  static summary = 'Show current (locked, else installed), wanted (newest the config allows) and latest versions of the config\'s features.'
  static examples = ['<%= config.bin %> features outdated', '<%= config.bin %> features outdated --json']
  static flags = { config: configFlag, mirror: mirrorFlag }

  async run(): Promise<OutdatedReport> {
    const { flags } = await this.parse(FeaturesOutdated)
    const report = await outdatedProject(createRuntime(), { cwd: process.cwd(), config: flags.config, mirrors: parseMirrorFlags(flags.mirror ?? []), refresh: true, logger: this.logger, signal: new AbortController().signal })
    if (!this.jsonEnabled()) {
      writeOut(`${table([['FEATURE', 'CURRENT', 'WANTED', 'LATEST'], ...report.features.map((f) => [f.id, f.current ?? '-', f.wanted, f.latest])])}\n`)
    }
    return report
  }
}
