import { configJsonSchema } from '@runner-features/core/config'
import { RunnerCommand } from '../../base-command.js'
import { printJson } from '../../output.js'

export default class FeaturesSchema extends RunnerCommand {
  static enableJsonFlag = false
  static summary = 'Print the JSON Schema of .github/runner-config.yml (also in docs/runner-config.schema.json).'
  static description = 'Reference it from the config for editor completion: # yaml-language-server: $schema=<path or URL of runner-config.schema.json>'
  static examples = ['<%= config.bin %> features schema > runner-config.schema.json']

  async run(): Promise<void> {
    printJson(configJsonSchema())
  }
}
