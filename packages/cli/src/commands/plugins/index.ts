import { RunnerCommand } from '../../base-command.js'
import { table } from '../../output.js'
import { createRuntime, discover } from '../../runtime.js'

export default class Plugins extends RunnerCommand {
  static summary = 'List feature plugins: bundled with the CLI and added later.'

  async run() {
    await this.parse(Plugins)
    const rt = createRuntime()
    const d = await discover(rt)
    const result = {
      schemaVersion: 1 as const,
      pluginDirs: rt.pluginDirs,
      plugins: d.plugins.map((p) => ({ id: p.manifest.id, name: p.name, version: p.version, origin: p.origin, dir: p.dir })),
      shadowed: d.shadowed.map((p) => ({ id: p.manifest.id, name: p.name, version: p.version, origin: p.origin })),
      problems: d.problems,
    }
    if (!this.jsonEnabled()) {
      process.stdout.write(`${table([['FEATURE', 'PLUGIN', 'VERSION', 'ORIGIN'], ...result.plugins.map((p) => [p.id, p.name, p.version, p.origin])])}\n`)
      for (const s of result.shadowed) process.stdout.write(`(${s.name}@${s.version}, ${s.origin}, is shadowed by a user plugin for "${s.id}")\n`)
      for (const p of result.problems) process.stderr.write(`warning: ${p.where}: ${p.message}\n`)
    }
    return result
  }
}
