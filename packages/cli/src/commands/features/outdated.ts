import { Flags } from '@oclif/core'
import { parseMirrorFlags } from '@runner-features/core'
import { RunnerCommand, configFlag, mirrorFlag } from '../../base-command.js'
import { table, writeOut } from '../../output.js'
import { outdatedProject, type OutdatedReport } from '@runner-features/engine'
import { createRuntime } from '../../runtime.js'

/**
 * One feature's row: `outdated` is true only when the config's range allows a newer version than
 * the current one (`upgrade` would move it); a newer release outside the range is `newerOutsideRange`.
 */
export type OutdatedRow = OutdatedReport['features'][number] & { newerOutsideRange: boolean; status: 'up-to-date' | 'update-in-range' | 'newer-outside-range' }

export default class FeaturesOutdated extends RunnerCommand {
  static summary = 'Show current (locked, else installed), wanted (newest the config allows) and latest versions of the config\'s features.'
  static description = 'outdated is true only when the config\'s range allows a newer version than the current one (`runner features upgrade <id>` moves to it); a newer release outside the range (a new major) is shown as such, and changing the range is up to you. With --exit-code, exits 1 when any feature has an update within its range.'
  static examples = ['<%= config.bin %> features outdated', '<%= config.bin %> features outdated --json', '<%= config.bin %> features outdated --exit-code || echo "updates available"']
  static flags = {
    config: configFlag,
    mirror: mirrorFlag,
    'exit-code': Flags.boolean({ description: 'Exit 1 when any feature has an update within its range (for CI checks).', default: false }),
  }

  async run(): Promise<{ schemaVersion: 1; features: OutdatedRow[] }> {
    const { flags } = await this.parse(FeaturesOutdated)
    const report = await outdatedProject(createRuntime(), { cwd: process.cwd(), config: flags.config, mirrors: parseMirrorFlags(flags.mirror ?? []), refresh: true, logger: this.logger, signal: new AbortController().signal })
    const features = report.features.map(classify)
    if (!this.jsonEnabled()) {
      const note = (f: OutdatedRow) => (f.status === 'update-in-range' ? `update in range${f.newerOutsideRange ? `; ${f.latest} is outside the range` : ''}` : f.status === 'newer-outside-range' ? `${f.latest} is outside the range` : '')
      writeOut(`${table([['FEATURE', 'CURRENT', 'WANTED', 'LATEST', ''], ...features.map((f) => [f.id, f.current ?? '-', f.wanted, f.latest, note(f)])])}\n`)
    }
    if (flags['exit-code'] && features.some((f) => f.outdated)) process.exitCode = 1
    return { ...report, features }
  }
}

function classify(f: OutdatedReport['features'][number]): OutdatedRow {
  const outdated = f.current !== f.wanted
  const newerOutsideRange = f.latest !== f.wanted
  return { ...f, outdated, newerOutsideRange, status: outdated ? 'update-in-range' : newerOutsideRange ? 'newer-outside-range' : 'up-to-date' }
}
