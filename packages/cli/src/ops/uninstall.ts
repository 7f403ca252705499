import { RunnerError, parseFeatureRequest, readState, specAcceptsInstalled } from '@runner-features/core'
import { uninstallVersion } from '@runner-features/installer'
import type { Runtime } from '../runtime.js'
import { checkFeatureArgs } from '../spec-input.js'
import { isLinked, relinkAfterUninstall, type Relink } from './links.js'

/** `runner features uninstall <id@version>`: removes matching installed versions (an exact version, or all with `--all`). */
export async function uninstallFeatures(rt: Runtime, specs: readonly string[], all: boolean, dryRun = false): Promise<UninstallResult> {
  checkFeatureArgs(specs)
  const state = await readState(rt.stateFile)
  const removed: UninstallResult['removed'] = []
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
      const linked = await isLinked(record)
      if (dryRun) {
        removed.push({ id: record.id, version: record.version, arch: record.arch, path: record.path, linked })
        continue
      }
      await uninstallVersion(record, rt)
      // The linked version went: link another installed version of the tool, or say none is left.
      const relinked = linked ? await relinkAfterUninstall(rt, record) : undefined
      removed.push({ id: record.id, version: record.version, arch: record.arch, path: record.path, linked, ...(relinked ? { relinked } : {}) })
    }
  }
  return { schemaVersion: 1, dryRun, removed }
}

export interface UninstallResult {
  schemaVersion: 1
  /** True: nothing was removed; `removed` is what would be. */
  dryRun: boolean
  /** `linked`: its bins were linked; `relinked`: the version linked instead (version null: none left). */
  removed: { id: string; version: string; arch: string; path: string; linked: boolean; relinked?: Relink }[]
}

/** The text form: one line per removed version, and what happened to its links. */
export function uninstallLines(result: UninstallResult): string[] {
  return result.removed.map((r) => {
    const head = `${result.dryRun ? 'would remove' : 'removed'} ${r.id} ${r.version} (${r.arch}) from ${r.path}`
    if (!r.relinked) return head
    return r.relinked.version ? `${head}; ${r.id} ${r.relinked.version} is linked now` : `${head}; no other ${r.id} version is installed, its links are gone`
  })
}
