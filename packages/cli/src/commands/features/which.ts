import { Args } from '@oclif/core'
import { RunnerCommand, binDirFlag } from '../../base-command.js'
import { writeOut } from '../../output.js'
import { whichBin, type WhichResult } from '../../ops/active.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesWhich extends RunnerCommand {
  static summary = 'Show the file a linked executable runs and which feature version provides it.'
  static examples = ['<%= config.bin %> features which node', '<%= config.bin %> features which terraform --json']
  static args = { bin: Args.string({ description: 'executable name in the bin dir (node, terraform, …)', required: true }) }
  static flags = { 'bin-dir': binDirFlag }

  async run(): Promise<WhichResult> {
    const { args, flags } = await this.parse(FeaturesWhich)
    const result = await whichBin(createRuntime(flags), args.bin)
    if (!this.jsonEnabled()) writeOut(`${result.path}\n  ${result.id}@${result.version} (${result.arch}), linked as ${result.link}\n`)
    return result
  }
}
