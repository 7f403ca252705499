import { Flags } from '@oclif/core'
import { RunnerCommand, configFlag } from '../../base-command.js'
import { writeOut } from '../../output.js'
import { pruneVersions, type PruneResult } from '../../ops/prune.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesPrune extends RunnerCommand {
  static summary = 'Remove installed versions that neither the team config nor its lock references.'
  static description = 'A config entry keeps the newest installed version its spec accepts; the lock keeps the version it pins; the linked version of a tool is kept too (uninstall it explicitly). --dry-run lists what would go.'
  static examples = ['<%= config.bin %> features prune --dry-run', '<%= config.bin %> features prune --json']
  static flags = {
    config: configFlag,
    'dry-run': Flags.boolean({ description: 'List what would be removed without removing anything.', default: false }),
  }

  async run(): Promise<PruneResult> {
    const { flags } = await this.parse(FeaturesPrune)
    const result = await pruneVersions(createRuntime(), { cwd: process.cwd(), config: flags.config, dryRun: flags['dry-run'] })
    if (!this.jsonEnabled()) {
      const verb = result.dryRun ? 'would remove' : 'removed'
      const lines = result.removed.map((r) => `${verb} ${r.id} ${r.version} (${r.arch}) from ${r.path}`)
      lines.push(`${result.config}: ${result.removed.length ? `${result.removed.length} ${verb}` : 'nothing to prune'}; kept ${result.kept.map((k) => `${k.id} ${k.version} (${k.reason})`).join(', ') || 'nothing'}`)
      writeOut(`${lines.join('\n')}\n`)
    }
    return result
  }
}
