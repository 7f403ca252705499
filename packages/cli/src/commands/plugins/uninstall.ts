import { Args } from '@oclif/core'
import { RunnerCommand } from '../../base-command.js'
import { uninstallPlugin } from '../../ops/plugins.js'
import { createRuntime, discover } from '../../runtime.js'

export default class PluginsUninstall extends RunnerCommand {
  static summary = 'Remove a feature plugin added with `runner plugins install` (installed tools stay).'
  static args = { plugin: Args.string({ description: 'package name or feature id', required: true }) }

  async run() {
    const { args } = await this.parse(PluginsUninstall)
    const rt = createRuntime()
    const result = await uninstallPlugin(rt, args.plugin, (await discover(rt)).plugins)
    if (!this.jsonEnabled()) process.stdout.write(`removed plugin ${result.name}\n`)
    return result
  }
}
