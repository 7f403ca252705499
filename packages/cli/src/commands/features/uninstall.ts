import { Args, Flags } from '@oclif/core'
import { RunnerError } from '@runner-features/core'
import { RunnerCommand } from '../../base-command.js'
import { uninstallFeatures } from '../../ops/uninstall.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesUninstall extends RunnerCommand {
  static summary = 'Remove installed feature versions (tool-cache entry, marker, bin links, state).'
  static examples = ['<%= config.bin %> features uninstall nodejs@20.20.2', '<%= config.bin %> features uninstall terraform --all']
  static strict = false
  static args = { features: Args.string({ description: '<id>@<version>', required: false }) }
  static flags = { all: Flags.boolean({ description: 'Remove every installed version that matches.', default: false }) }

  async run() {
    const { argv, flags } = await this.parse(FeaturesUninstall)
    if (argv.length === 0) throw new RunnerError('INVALID_ARGUMENT', 'no features given', { where: 'arguments', hint: 'runner features uninstall <id>@<version>' })
    const result = await uninstallFeatures(createRuntime(), argv as string[], flags.all)
    if (!this.jsonEnabled()) for (const r of result.removed) process.stdout.write(`removed ${r.id} ${r.version} (${r.arch}) from ${r.path}\n`)
    return result
  }
}
