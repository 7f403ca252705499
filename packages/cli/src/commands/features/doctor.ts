import { Flags } from '@oclif/core'
import { RunnerCommand } from '../../base-command.js'
import { runDoctor, type DoctorResult } from '../../ops/doctor.js'
import { printDoctor } from '../../ops/doctor-report.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesDoctor extends RunnerCommand {
  static summary = 'Check installed features the way their consumers see them, and repair what is safe.'
  static description = 'For every installed version: replays @actions/tool-cache find() as its setup action calls it (tool name, semver directory, arch, .complete marker) and reports hit or miss with the reason. Also flags bin-dir links that are missing, dangling or point at another version, PATH entries that shadow the bin dir\'s links, tool-cache directories without a marker or without a state record, and state records whose files are gone. Exits 1 when an error remains. --fix drops records whose files are gone, relinks or removes broken links, and removes unrecorded directories without a marker (unless an install holds their lock); it never deletes an install the state records.'
  static examples = ['<%= config.bin %> features doctor', '<%= config.bin %> features doctor --json', '<%= config.bin %> features doctor --fix']
  static flags = {
    fix: Flags.boolean({ description: 'Repair what is safe to repair (see the description).', default: false }),
    'bin-dir': Flags.string({ description: 'The bin dir to check (default: RUNNER_FEATURES_BIN_DIR, /usr/local/bin as root, else ~/.local/bin).' }),
  }

  async run(): Promise<DoctorResult> {
    const { flags } = await this.parse(FeaturesDoctor)
    const result = await runDoctor(createRuntime(flags), { fix: flags.fix })
    if (!this.jsonEnabled()) printDoctor(result)
    if (!result.ok) process.exitCode = 1
    return result
  }
}
