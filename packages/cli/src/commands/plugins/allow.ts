import { Flags } from '@oclif/core'
import { RunnerError } from '@runner-features/core'
import { POLICY_FILE_NAME, approvalsFileFor, approvePluginPolicy, findConfig, policyPathFor } from '@runner-features/core/config'
import { resolve } from 'node:path'
import { RunnerCommand } from '../../base-command.js'
import { createRuntime } from '../../runtime.js'

/**
 * Approves the plugin policy's current bytes on this machine. Until then a new or changed policy
 * has no effect (third-party plugins stay refused), so a pull request cannot widen it silently.
 */
export default class PluginsAllow extends RunnerCommand {
  static summary = `Approve ${POLICY_FILE_NAME} on this machine (records its sha256; a changed policy must be approved again).`
  static examples = ['<%= config.bin %> plugins allow', '<%= config.bin %> plugins allow --policy /etc/runner-features/policy.yaml']
  static flags = {
    policy: Flags.string({ description: `The policy file. Default: RUNNER_FEATURES_POLICY, else ${POLICY_FILE_NAME} next to .github/runner-config.yml.` }),
  }

  async run() {
    const { flags } = await this.parse(PluginsAllow)
    const rt = createRuntime()
    const path = flags.policy ? resolve(flags.policy) : policyPathFor(rt.env, await findConfig(process.cwd()))
    if (!path) {
      throw new RunnerError('CONFIG_NOT_FOUND', 'no plugin policy to approve', { where: process.cwd(), hint: `pass --policy, set RUNNER_FEATURES_POLICY, or create .github/${POLICY_FILE_NAME}` })
    }
    const approved = await approvePluginPolicy(path, approvalsFileFor(rt.stateFile))
    const names = approved.policy.plugins.map((p) => `${p.name}@${p.version}`)
    if (!this.jsonEnabled()) process.stdout.write(`approved ${path} (${approved.digest.slice(0, 19)}…): ${names.length ? names.join(', ') : 'no plugins'}\n`)
    return { path, digest: approved.digest, plugins: approved.policy.plugins }
  }
}
