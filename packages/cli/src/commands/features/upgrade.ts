import { Args } from '@oclif/core'
import { parseMirrorFlags } from '@runner-features/core'
import { RunnerCommand, configFlag, mirrorFlag } from '../../base-command.js'
import { writeOut } from '../../output.js'
import { upgradeProject } from '@runner-features/engine'
import { createRuntime } from '../../runtime.js'

export default class FeaturesUpgrade extends RunnerCommand {
  static summary = 'Re-resolve the team config against fresh upstream indexes and rewrite runner-features.lock.'
  static description = 'With an id, only that feature moves (to the newest version its requirements allow); others keep their locked versions. Installs nothing: run `runner features install` afterwards.'
  static examples = ['<%= config.bin %> features upgrade', '<%= config.bin %> features upgrade terraform']
  static args = { id: Args.string({ description: 'feature id to upgrade (default: all)', required: false }) }
  static flags = { config: configFlag, mirror: mirrorFlag }

  async run(): Promise<Awaited<ReturnType<typeof upgradeProject>>> {
    const { args, flags } = await this.parse(FeaturesUpgrade)
    const report = await upgradeProject(createRuntime(), { cwd: process.cwd(), config: flags.config, id: args.id, mirrors: parseMirrorFlags(flags.mirror ?? []), refresh: true, logger: this.logger, signal: new AbortController().signal })
    for (const w of report.warnings) this.logger.warn(w)
    if (!this.jsonEnabled()) {
      const lines = report.changes.map((c) => `${c.id}: ${c.from ?? '(new)'} → ${c.to}`)
      writeOut(`${lines.join('\n') || 'everything is at the newest version the config allows'}\n${report.written ? 'wrote' : 'unchanged:'} ${report.lockfile}\n`)
    }
    return report
  }
}
