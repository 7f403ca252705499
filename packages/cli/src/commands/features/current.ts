import { RunnerCommand, binDirFlag } from '../../base-command.js'
import { table, writeOut } from '../../output.js'
import { currentVersions, type CurrentResult } from '../../ops/active.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesCurrent extends RunnerCommand {
  static summary = 'Show the active (linked) version of each installed feature and where it lives.'
  static examples = ['<%= config.bin %> features current', '<%= config.bin %> features current --json']
  static flags = { 'bin-dir': binDirFlag }

  async run(): Promise<CurrentResult> {
    const { flags } = await this.parse(FeaturesCurrent)
    const result = await currentVersions(createRuntime(flags))
    if (!this.jsonEnabled()) {
      if (result.features.length === 0) writeOut('nothing installed (runner features install <id@version>)\n')
      else writeOut(`${table([['FEATURE', 'ACTIVE', 'PATH', 'ALSO INSTALLED'], ...result.features.map((f) => [f.id, f.version ?? '(none linked)', f.path ?? '', f.installed.filter((v) => v !== f.version).join(', ')])])}\nbin dir: ${result.binDir}\n`)
    }
    return result
  }
}
