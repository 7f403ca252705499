import { Args } from '@oclif/core'
import { parseMirrorFlags } from '@runner-features/core'
import { RunnerCommand, mirrorFlag, refreshFlag } from '../../base-command.js'
import { table } from '../../output.js'
import { listRemoteVersions, type VersionsResult } from '../../ops/versions.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesVersions extends RunnerCommand {
  static summary = 'List the versions upstream (or the mirror) offers for a feature, marking installed ones.'
  static examples = ['<%= config.bin %> features versions nodejs', '<%= config.bin %> features versions terraform --json']
  static args = { id: Args.string({ description: 'feature id', required: true }) }
  static flags = { mirror: mirrorFlag, refresh: refreshFlag }

  async run(): Promise<VersionsResult> {
    const { args, flags } = await this.parse(FeaturesVersions)
    const result = await listRemoteVersions(createRuntime(), args.id, { mirrors: parseMirrorFlags(flags.mirror), logger: this.logger, signal: new AbortController().signal, refresh: flags.refresh })
    if (!this.jsonEnabled()) {
      const rows = result.versions.map((v) => [v.version, v.lts ? `lts/${String(v.lts).toLowerCase()}` : '', v.date ?? '', v.installed ? 'installed' : ''])
      process.stdout.write(`${table([['VERSION', 'LTS', 'DATE', ''], ...rows])}\n`)
    }
    return result
  }
}
