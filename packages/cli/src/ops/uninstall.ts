import { RunnerError, parseFeatureRequest, readState, specAcceptsInstalled } from '@runner-features/core'
import { uninstallVersion } from '@runner-features/installer'
import type { Runtime } from '../runtime.js'
import { checkFeatureArgs } from '../spec-input.js'

/** `runner features uninstall <id@version>`: removes matching installed versions (an exact version, or all with `--all`). */
export async function uninstallFeatures(rt: Runtime, specs: readonly string[], all: boolean): Promise<{ schemaVersion: 1; removed: { id: string; version: string; arch: string; path: string }[] }> {
  checkFeatureArgs(specs)
  const state = await readState(rt.stateFile)
  const removed: { id: string; version: string; arch: string; path: string }[] = []
  for (const text of specs) {
    const request = parseFeatureRequest(text, 'argument', 'latest')
    if (!text.includes('@') && !all) {
      throw new RunnerError('INVALID_ARGUMENT', `say which version of ${request.id} to remove`, { where: `${text} (argument)`, hint: `runner features uninstall ${request.id}@<version>, or --all for every version` })
    }
    const matches = state.installs.filter((r) => r.id === request.id && (all && !text.includes('@') ? true : specAcceptsInstalled(request.spec, r.version)))
    if (matches.length === 0) {
      const have = state.installs.filter((r) => r.id === request.id).map((r) => r.version)
      throw new RunnerError('NOT_INSTALLED', `${text} is not installed`, { where: `${text} (argument)`, hint: have.length ? `installed: ${have.join(', ')}` : 'see `runner features list`' })
    }
    if (matches.length > 1 && !all) {
      throw new RunnerError('INVALID_ARGUMENT', `${text} matches ${matches.map((m) => m.version).join(', ')}`, { where: `${text} (argument)`, hint: 'give an exact version, or pass --all' })
    }
    for (const record of matches) {
      await uninstallVersion(record, rt)
      removed.push({ id: record.id, version: record.version, arch: record.arch, path: record.path })
    }
  }
  return { schemaVersion: 1, removed }
}
