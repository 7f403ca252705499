import { Args, Flags } from '@oclif/core'
import { RunnerCommand } from '../../base-command.js'
import { installPlugin, type PluginInstallResult } from '../../ops/plugins.js'
import { checkPluginArgument } from '../../ops/plugin-input.js'
import { createRuntime } from '../../runtime.js'

export default class PluginsInstall extends RunnerCommand {
  static summary = 'Add a feature plugin from the npm registry, an npm-pack tarball or a directory — no CLI rebuild needed.'
  static description = 'Installs into RUNNER_FEATURES_PLUGINS_DIR, else /usr/local/share/runner-features/plugins as root (where image builds put them), else ~/.local/share/runner-features/plugins. A user plugin with the same feature id as a bundled one takes precedence. Registry downloads are checked against the registry integrity hash.'
  static examples = [
    '<%= config.bin %> plugins install @acme/runner-feature-kubectl',
    '<%= config.bin %> plugins install ./acme-runner-feature-kubectl-1.0.0.tgz',
    '<%= config.bin %> plugins install ./plugins/kubectl',
  ]
  static args = { plugin: Args.string({ description: 'npm name[@range], path to a .tgz, or a directory', required: true }) }
  static flags = { registry: Flags.string({ description: 'npm registry URL', env: 'npm_config_registry', default: 'https://registry.npmjs.org/' }) }

  async run(): Promise<PluginInstallResult> {
    const { args, flags } = await this.parse(PluginsInstall)
    const rt = createRuntime()
    await checkPluginArgument(rt, args.plugin)
    const result = await installPlugin(rt, args.plugin, { logger: this.logger, registry: flags.registry })
    if (!this.jsonEnabled()) process.stdout.write(`installed plugin ${result.name}@${result.version} (feature "${result.id}") into ${result.dir}\n`)
    return result
  }
}
