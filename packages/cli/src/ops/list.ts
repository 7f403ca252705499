import { readState } from '@runner-features/core'
import { discover, type Runtime } from '../runtime.js'
import { isLinked } from './is-linked.js'
import { printJson, table, writeOut } from '../output.js'

export interface ListResult {
  schemaVersion: 1
  installed: { id: string; version: string; arch: string; path: string; sourceUrl: string; sha256: string; artifacts?: { url: string; sha256: string; size: number }[]; plugin: string; installedAt: string; complete: boolean; linked: boolean }[]
  plugins: { id: string; name: string; version: string; origin: string; description: string; toolName: string }[]
  problems: { where: string; message: string }[]
}

/**
 * `runner features list`: installed versions from the state manifest, and the available plugins
 * from their package.json metadata — no plugin code is imported.
 */
export async function listFeatures(rt: Runtime): Promise<ListResult> {
  const [state, discovery] = await Promise.all([readState(rt.stateFile), discover(rt)])
  // Which version's bins the bin dir points at (a readlink per recorded link; no plugin code).
  const linked = await Promise.all(state.installs.map((r) => isLinked(r)))
  return {
    schemaVersion: 1,
    installed: state.installs.map((r, i) => ({
      id: r.id, version: r.version, arch: r.arch, path: r.path, sourceUrl: r.sourceUrl, sha256: r.sha256, ...(r.artifacts ? { artifacts: r.artifacts } : {}),
      plugin: `${r.plugin.name}@${r.plugin.version}`, installedAt: r.installedAt, complete: true, linked: linked[i]!,
    })),
    plugins: discovery.plugins.map((p) => ({ id: p.manifest.id, name: p.name, version: p.version, origin: p.origin, description: p.manifest.description, toolName: p.manifest.toolName })),
    problems: discovery.problems,
  }
}

export function printList(result: ListResult, json: boolean): void {
  if (json) return printJson(result)
  const out: string[] = []
  out.push(result.installed.length ? 'Installed:' : 'Installed: none yet (runner features install <id@version>)')
  if (result.installed.length) {
    out.push(table([['FEATURE', 'VERSION', 'LINKED', 'ARCH', 'PATH', 'PLUGIN'], ...result.installed.map((r) => [r.id, r.version, r.linked ? 'yes' : '', r.arch, r.path, r.plugin])]).replace(/^/gm, '  '))
  }
  out.push('', 'Available plugins:')
  out.push(table([['FEATURE', 'PLUGIN', 'VERSION', 'ORIGIN', 'DESCRIPTION'], ...result.plugins.map((p) => [p.id, p.name, p.version, p.origin, p.description])]).replace(/^/gm, '  '))
  for (const p of result.problems) out.push(`warning: ${p.where}: ${p.message}`)
  writeOut(`${out.join('\n')}\n`)
}
