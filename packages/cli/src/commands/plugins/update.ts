import { Args, Flags } from '@oclif/core'
import { RunnerCommand } from '../../base-command.js'
import { writeOut } from '../../output.js'
import { updatePlugins, type PluginsUpdateResult } from '../../ops/plugins-update.js'
import { createRuntime } from '../../runtime.js'

export default class PluginsUpdate extends RunnerCommand {
  static summary = 'Update plugins installed from the npm registry to their latest version.'
  static description = 'Each whose registry `latest` is newer is installed at that version, with the checks of `plugins install` (registry integrity, plugin policy, manifest). Plugins installed from a directory or tarball are listed, not changed: install the new path or tarball. A plugin already newer than the registry\'s latest is left as it is (never downgraded). Bundled plugins update with the CLI.'
  static examples = ['<%= config.bin %> plugins update', '<%= config.bin %> plugins update @acme/runner-feature-kubectl --json']
  static strict = false
  static args = { plugins: Args.string({ description: 'plugin names or feature ids (default: every user plugin)', required: false }) }
  static flags = { registry: Flags.string({ description: 'npm registry URL', env: 'npm_config_registry', default: 'https://registry.npmjs.org/' }) }

  async run(): Promise<PluginsUpdateResult> {
    const { argv, flags } = await this.parse(PluginsUpdate)
    const result = await updatePlugins(createRuntime(), argv as string[], { logger: this.logger, registry: flags.registry })
    if (!this.jsonEnabled()) {
      const lines = result.plugins.map((p) => `${p.name}: ${describe(p)}`)
      writeOut(`${(lines.length ? lines : ['no user plugins to update (bundled plugins update with the CLI)']).join('\n')}\n`)
    }
    return result
  }
}

/** One human line per plugin, after its name. */
function describe(p: PluginsUpdateResult['plugins'][number]): string {
  switch (p.status) {
    case 'updated': return `${p.from} → ${p.to}`
    case 'up-to-date': return `${p.from} is the latest`
    case 'newer-than-latest': return `${p.from} is newer than the registry's latest (${p.latest}), left as it is`
    case 'not-from-registry': return `${p.from}, installed from a directory or tarball — reinstall it from its new path`
  }
}
