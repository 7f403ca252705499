import { Args } from '@oclif/core'
import { parseMirrorFlags } from '@runner-features/core'
import { RunnerCommand, mirrorFlag, refreshFlag } from '../../base-command.js'
import { table, writeOut } from '../../output.js'
import { listRemoteVersions, type VersionsResult } from '../../ops/versions.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesVersions extends RunnerCommand {
  static summary = 'List the versions upstream (or the mirror) offers for a feature, marking installed ones.'
  static examples = ['<%= config.bin %> features versions nodejs', '<%= config.bin %> features versions nodejs 20', '<%= config.bin %> features versions terraform 1.5 --json']
  static args = {
    id: Args.string({ description: 'feature id', required: true }),
    prefix: Args.string({ description: 'only versions starting with this prefix: 20 (20.x, not 200.x), 1.5 (1.5.x)', required: false }),
  }
  static flags = { mirror: mirrorFlag, refresh: refreshFlag }

  async run(): Promise<VersionsResult> {
    const { args, flags } = await this.parse(FeaturesVersions)
    const result = await listRemoteVersions(createRuntime(), args.id, { mirrors: parseMirrorFlags(flags.mirror ?? []), logger: this.logger, signal: new AbortController().signal, refresh: flags.refresh, prefix: args.prefix })
    if (!this.jsonEnabled()) {
      // Columns no version has (terraform publishes no LTS lines or dates) are left out, not shown empty.
      const hasLts = result.versions.some((v) => v.lts)
      const hasDate = result.versions.some((v) => v.date)
      const rows = result.versions.map((v) => [v.version, ...(hasLts ? [v.lts ? `lts/${v.lts.toLowerCase()}` : ''] : []), ...(hasDate ? [v.date ?? ''] : []), v.installed ? 'installed' : ''])
      if (rows.length === 0) process.stderr.write(`no ${args.id} version${args.prefix ? ` starts with ${args.prefix}` : ' found'}\n`)
      else writeOut(`${table([['VERSION', ...(hasLts ? ['LTS'] : []), ...(hasDate ? ['DATE'] : []), ''], ...rows])}\n`)
    }
    return result
  }
}
