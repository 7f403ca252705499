import { spawn } from 'node:child_process'
import { delimiter } from 'node:path'
import { Args } from '@oclif/core'
import { RunnerError } from '@runner-features/core'
import { RunnerCommand } from '../../base-command.js'
import { execEnvironment } from '../../ops/active.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesExec extends RunnerCommand {
  static summary = 'Run a command with an installed feature version first on PATH, without linking it.'
  static description = 'The newest installed version the spec accepts is used; nothing is downloaded or linked (install it first with `runner features install`). The command\'s exit status is this command\'s.'
  static examples = ['<%= config.bin %> features exec nodejs@18 -- node --version', '<%= config.bin %> features exec terraform@1.5 -- terraform plan']
  static strict = false
  // Everything after the spec belongs to the command, flags included.
  static enableJsonFlag = false
  static args = { feature: Args.string({ description: '<id>@<version spec> of an installed feature', required: true }) }

  async run(): Promise<void> {
    const { args, argv } = await this.parse(FeaturesExec)
    const command = (argv as string[]).slice(1)
    if (command.length === 0) throw new RunnerError('INVALID_ARGUMENT', 'no command to run', { where: 'arguments', hint: `runner features exec ${args.feature} -- <command> [args…]` })
    const { pathDirs } = await execEnvironment(createRuntime(), args.feature)
    const env = { ...process.env, PATH: [...pathDirs, process.env.PATH ?? ''].join(delimiter) }
    process.exitCode = await new Promise<number>((done, fail) => {
      const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env })
      child.on('error', (err: NodeJS.ErrnoException) => fail(new RunnerError('INVALID_ARGUMENT', `cannot run ${command[0]}: ${err.code ?? err.message}`, { where: command[0], hint: `the PATH had ${pathDirs.join(delimiter)} first` })))
      child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)))
    })
  }
}
