import { Args, Flags } from '@oclif/core'
import { RunnerCommand } from '../../base-command.js'
import { newFeature, type NewFeatureResult } from '../../ops/new-feature.js'

export default class FeaturesNew extends RunnerCommand {
  static summary = 'Write a new feature plugin: a declared source, README with its platform matrix, CHANGELOG, fixture and tests.'
  static description = 'Inside this monorepo the plugin goes to plugins/<id> (discovered by `runner features list` after `pnpm install`, no other file to edit); with --dir outside it, a standalone package that takes the kit from npm. Either way one command builds it and runs its contract, unit and end-to-end tests. See docs/plugins.md.'
  static examples = [
    '<%= config.bin %> features new demo-tool --source github-release --repo acme/demo-tool',
    '<%= config.bin %> features new kubectx --repo ahmetb/kubectx --scope @acme --dir ./runner-feature-kubectx',
  ]
  static args = { id: Args.string({ description: 'feature id: lower-case letters, digits and dashes', required: true }) }
  static flags = {
    source: Flags.string({ description: 'how versions and artifacts are found', options: ['github-release'], default: 'github-release' }),
    repo: Flags.string({ description: 'GitHub repository whose releases hold the tool', helpValue: '<owner>/<name>' }),
    scope: Flags.string({ description: 'npm scope of the package (@acme → @acme/runner-feature-<id>)', helpValue: '@scope' }),
    dir: Flags.string({ description: 'the plugin folder to write (default: plugins/<id> in this monorepo, else ./<id>)', helpValue: '<path>' }),
  }

  async run(): Promise<NewFeatureResult> {
    const { args, flags } = await this.parse(FeaturesNew)
    const result = await newFeature({ id: args.id, source: 'github-release', repo: flags.repo, scope: flags.scope, dir: flags.dir, cwd: process.cwd() })
    if (!this.jsonEnabled()) {
      process.stdout.write(`wrote ${result.name} (${result.mode}) into ${result.dir}:\n${result.files.map((f) => `  ${f}\n`).join('')}`)
      process.stdout.write(`next: edit runner.feature.source to the upstream's asset names, replace fixtures/releases.json with a trimmed real listing, then\n  cd ${result.test.cwd} && ${result.test.command}\n`)
    }
    return result
  }
}
