import { Flags } from '@oclif/core'
import { parseMirrorFlags } from '@runner-features/core'
import { RunnerCommand, configFlag, mirrorFlag, refreshFlag } from '../../base-command.js'
import { writeOut } from '../../output.js'
import { planMermaid, resolvePlan, type PlanReport } from '@runner-features/engine'
import { createRuntime } from '../../runtime.js'

export default class FeaturesResolve extends RunnerCommand {
  static summary = 'Print the install plan for the team config: versions, order and parallel groups. Downloads nothing.'
  static description = 'Offline from runner-features.lock when it matches the config; otherwise reads upstream indexes (never archives). Fails before any download on DEPENDENCY_CONFLICT, DEPENDENCY_CYCLE or INVALID_OPTIONS.'
  static examples = ['<%= config.bin %> features resolve', '<%= config.bin %> features resolve --mermaid', '<%= config.bin %> features resolve --json']
  static flags = {
    config: configFlag,
    mermaid: Flags.boolean({ description: 'Print a Mermaid flowchart (solid: dependsOn, dotted: installsAfter).', default: false, exclusive: ['json'] }),
    mirror: mirrorFlag,
    refresh: refreshFlag,
  }

  async run(): Promise<PlanReport> {
    const { flags } = await this.parse(FeaturesResolve)
    const plan = await resolvePlan(createRuntime(), { cwd: process.cwd(), config: flags.config, mirrors: parseMirrorFlags(flags.mirror ?? []), refresh: flags.refresh, logger: this.logger, signal: new AbortController().signal })
    for (const w of plan.warnings) this.logger.warn(w)
    if (flags.mermaid) writeOut(planMermaid(plan))
    else if (!this.jsonEnabled()) {
      const lines = [`${plan.config}: ${plan.features.length} features${plan.fromLock ? ' (from the lock, offline)' : ''}`]
      plan.groups.forEach((g, i) => {
        lines.push(`group ${i + 1}:`)
        for (const id of g) {
          const f = plan.features.find((x) => x.id === id)!
          const why = f.requestedBy.map((r) => `${r.spec} from ${r.source}`).join('; ')
          lines.push(`  ${id}@${f.version}  (${why})${f.after.length ? `  after ${f.after.join(', ')}` : ''}`)
        }
      })
      lines.push(`order: ${plan.order.join(' → ')}`)
      writeOut(`${lines.join('\n')}\n`)
    }
    return plan
  }
}
