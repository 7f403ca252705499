import { Flags } from '@oclif/core'
import { RunnerCommand } from '../../base-command.js'
import { availableFeatures, printAvailable, type AvailableResult } from '../../ops/available.js'
import { listFeatures, printList, type ListResult } from '../../ops/list.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesList extends RunnerCommand {
  static summary = 'List installed features and the feature plugins available to install.'
  static description = 'Installed versions come from the state manifest in the tool cache (<RUNNER_TOOL_CACHE>/.runner-features/state.json); plugins are read from package metadata without loading their code. With --available, lists the features a platform supports (this machine, or --platform/--distro), from each plugin\'s declared platform matrix.'
  static examples = [
    '<%= config.bin %> features list',
    '<%= config.bin %> features list --json',
    '<%= config.bin %> features list --available --platform linux-arm64-musl --distro alpine@3.20',
  ]

  static flags = {
    // No default: with `default: false` the flag always "exists" and dependsOn never fires, so
    // `list --platform x` without --available would silently list what is installed.
    available: Flags.boolean({ description: 'List the features installable on a platform instead of what is installed.' }),
    platform: Flags.string({ description: 'With --available: linux-x64, linux-arm64, linux-x64-musl or linux-arm64-musl (default: this machine).', dependsOn: ['available'] }),
    distro: Flags.string({ description: 'With --available: <os-release ID>@<VERSION_ID>, e.g. ubuntu@24.04 (default: this machine).', dependsOn: ['available'] }),
  }

  async run(): Promise<ListResult | AvailableResult> {
    const { flags } = await this.parse(FeaturesList)
    if (flags.available) {
      const result = await availableFeatures(createRuntime(), flags)
      if (!this.jsonEnabled()) printAvailable(result, false)
      return result
    }
    const result = await listFeatures(createRuntime())
    if (!this.jsonEnabled()) printList(result, false)
    return result
  }
}
