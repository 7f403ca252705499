import { readlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { RunnerError, binsFor, hostOs, loadFeature, parseFeatureRequest, readState, specAcceptsInstalled, compareVersions, type InstalledRecord } from '@runner-features/core'
import { discover, type Runtime } from '../runtime.js'
import { isLinked, linksInto } from './is-linked.js'
import { checkFeatureArgs } from '../spec-input.js'

/** `runner features which <bin>`: the file a bin-dir name runs, and which feature version it is. */
export interface WhichResult {
  schemaVersion: 1
  bin: string
  /** The link in the bin dir. */
  link: string
  /** The file it points at (inside the tool cache). */
  path: string
  id: string
  version: string
  arch: string
}

export async function whichBin(rt: Runtime, bin: string): Promise<WhichResult> {
  const link = join(rt.binDir, basename(bin))
  const target = await readlink(link).then((t) => resolve(dirname(link), t), () => null)
  const state = await readState(rt.stateFile)
  if (!target) {
    const holders = state.installs.filter((r) => r.links.some((l) => basename(l) === basename(bin)))
    throw new RunnerError('NOT_INSTALLED', `no ${bin} is linked in ${rt.binDir}`, {
      where: link,
      hint: holders.length ? `installed but not linked: ${holders.map((r) => `${r.id}@${r.version}`).join(', ')}; \`runner features install <id@version>\` links one` : '`runner features list` shows what is installed',
    })
  }
  const record = state.installs.find((r) => target.startsWith(`${r.path}/`))
  if (!record) {
    throw new RunnerError('NOT_INSTALLED', `${link} points at ${target}, which no installed feature version provides`, {
      where: link,
      hint: '`runner features doctor` checks the bin links (--fix repairs them)',
    })
  }
  return { schemaVersion: 1, bin: basename(bin), link, path: target, id: record.id, version: record.version, arch: record.arch }
}

/** `runner features current`: per installed feature, the version whose bins are linked (active). */
export interface CurrentResult {
  schemaVersion: 1
  binDir: string
  features: { id: string; version: string | null; arch: string | null; path: string | null; links: string[]; installed: string[] }[]
}

export async function currentVersions(rt: Runtime): Promise<CurrentResult> {
  const state = await readState(rt.stateFile)
  const ids = [...new Set(state.installs.map((r) => r.id))].sort()
  const features = await Promise.all(ids.map(async (id) => {
    const records = state.installs.filter((r) => r.id === id).sort((a, b) => compareVersions(b.version, a.version))
    let active: InstalledRecord | undefined
    for (const r of records) if (!active && (await isLinked(r))) active = r
    return {
      id, version: active?.version ?? null, arch: active?.arch ?? null, path: active?.path ?? null,
      links: active ? linksInto(active) : [], installed: records.map((r) => r.version),
    }
  }))
  return { schemaVersion: 1, binDir: rt.binDir, features }
}

/**
 * `runner features exec <id@spec> -- cmd`: the installed version that `spec` accepts (newest
 * first) and the directories of its bins, to put first on PATH for one command (nothing linked).
 */
export async function execEnvironment(rt: Runtime, spec: string): Promise<{ record: InstalledRecord; pathDirs: string[] }> {
  checkFeatureArgs([spec])
  const request = parseFeatureRequest(spec, 'argument', 'latest')
  const state = await readState(rt.stateFile)
  const record = state.installs
    .filter((r) => r.id === request.id && specAcceptsInstalled(request.spec, r.version))
    .sort((a, b) => compareVersions(b.version, a.version))[0]
  if (!record) {
    const have = state.installs.filter((r) => r.id === request.id).map((r) => r.version)
    throw new RunnerError('NOT_INSTALLED', `no installed ${request.id} version matches ${request.spec.raw}`, {
      where: `${spec} (argument)`,
      hint: `${have.length ? `installed: ${have.join(', ')}; ` : ''}install it first: \`runner features install ${spec}\``,
    })
  }
  const plugin = (await discover(rt)).plugins.find((p) => p.manifest.id === record.id)
  const bins = plugin ? binsFor(await loadFeature(plugin), hostOs()) : []
  const pathDirs = [...new Set(bins.map((b) => dirname(join(record.path, b))))]
  return { record, pathDirs: pathDirs.length ? pathDirs : [record.path] }
}
