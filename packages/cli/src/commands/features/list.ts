import { RunnerCommand } from '../../base-command.js'
import { listFeatures, printList, type ListResult } from '../../ops/list.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesList extends RunnerCommand {
  static summary = 'List installed features and the feature plugins available to install.'
  static description = 'Installed versions come from the state manifest in the tool cache (<RUNNER_TOOL_CACHE>/.runner-features/state.json); plugins are read from package metadata without loading their code.'
  static examples = ['<%= config.bin %> features list', '<%= config.bin %> features list --json']

  async run(): Promise<ListResult> {
    await this.parse(FeaturesList)
    const result = await listFeatures(createRuntime())
    if (!this.jsonEnabled()) printList(result, false)
    return result
  }
}
