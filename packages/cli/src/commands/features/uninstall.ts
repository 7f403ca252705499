import { Args, Flags } from '@oclif/core'
import { RunnerError } from '@runner-features/core'
import { RunnerCommand } from '../../base-command.js'
import { uninstallFeatures, uninstallLines } from '../../ops/uninstall.js'
import { writeOut } from '../../output.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesUninstall extends RunnerCommand {
  static summary = 'Remove installed feature versions (tool-cache entry, marker, bin links, state).'
  static examples = ['<%= config.bin %> features uninstall nodejs@20.20.2', '<%= config.bin %> features uninstall terraform --all', '<%= config.bin %> features uninstall nodejs@18 --dry-run']
  static strict = false
  static args = { features: Args.string({ description: '<id>@<version>', required: false }) }
  static flags = {
    all: Flags.boolean({ description: 'Remove every installed version that matches.', default: false }),
    'dry-run': Flags.boolean({ description: 'Print what would be removed (and whether it is the linked version) without removing anything.', default: false }),
  }

  async run() {
    const { argv, flags } = await this.parse(FeaturesUninstall)
    if (argv.length === 0) throw new RunnerError('INVALID_ARGUMENT', 'no features given', { where: 'arguments', hint: 'runner features uninstall <id>@<version>' })
    const result = await uninstallFeatures(createRuntime(), argv as string[], flags.all, flags['dry-run'])
    if (!this.jsonEnabled()) writeOut(uninstallLines(result).map((l) => `${l}\n`).join(''))
    return result
  }
}
