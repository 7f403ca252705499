import { existsSync, statSync } from 'node:fs'
import { lstat, readdir, readlink, rm, rmdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { declaredBins, hostOs, readState, sameInstall, updateState, type FeatureManifest, type InstalledRecord } from '@runner-features/core'
import { linkBins, toolCacheVersionDir, unlinkBins } from '@runner-features/installer'
import { discover, type Runtime } from '../runtime.js'
import { SETUP_ACTIONS, replayFind, type FindReplay } from './toolcache-find.js'

/** One installed version and what its setup action's `find()` would answer. */
export interface DoctorFeature {
  id: string
  version: string
  arch: string
  toolName: string
  /** The setup action that reads this tool-cache name, when there is one. */
  action?: string
  /** Where the state record says the files are. */
  path: string
  find: FindReplay
}

/**
 * One thing found wrong. `error`s make the run exit 1; `warning`s are reported only (a tool-cache
 * version a setup action downloaded itself is normal on a shared cache). `fixable` ones are
 * repaired by `--fix`: nothing it does can lose an install or touch a file runner-features did not make.
 */
export interface DoctorProblem {
  kind: 'files-gone' | 'find-miss' | 'link-missing' | 'link-dangling' | 'link-other-version' | 'link-foreign' | 'path-shadowed' | 'bin-dir-off-path' | 'incomplete-dir' | 'unrecorded-dir'
  severity: 'error' | 'warning'
  message: string
  where: string
  hint: string
  fixable: boolean
  /** With `--fix`: whether the repair was made (and why not, when it failed). */
  fixed?: boolean
  fixError?: string
}

export interface DoctorResult {
  schemaVersion: 1
  /** No error left (after `--fix`, when given). */
  ok: boolean
  toolCache: string
  binDir: string
  features: DoctorFeature[]
  problems: DoctorProblem[]
}

interface Finding extends DoctorProblem {
  repair?: () => Promise<void>
}

const isLink = (path: string) => lstat(path).then((s) => s.isSymbolicLink(), () => undefined)
const inside = (path: string, dir: string) => resolve(path).startsWith(`${resolve(dir)}/`)

/**
 * `runner features doctor`: checks every installed feature the way its consumers see it — the
 * setup action's tool-cache lookup, the bin-dir links, PATH order — and the tool cache against the
 * state manifest. With `fix`, repairs what is safe (see {@link DoctorProblem.fixable}).
 */
export async function runDoctor(rt: Runtime, options: { fix: boolean }): Promise<DoctorResult> {
  const [state, discovery] = await Promise.all([readState(rt.stateFile), discover(rt)])
  const manifests = new Map(discovery.plugins.map((p) => [p.manifest.id, p.manifest]))
  const root = rt.toolCacheRoot
  const records = state.installs.filter((r) => r.version !== 'system')
  const present = records.filter((r) => existsSync(r.path))
  const findings: Finding[] = []
  const features: DoctorFeature[] = []

  for (const r of records) {
    const find = replayFind(root, r.toolName, toolCacheVersionDir(r.version), r.arch)
    features.push({ id: r.id, version: r.version, arch: r.arch, toolName: r.toolName, ...(SETUP_ACTIONS[r.toolName] ? { action: SETUP_ACTIONS[r.toolName] } : {}), path: r.path, find })
    const who = `${r.id}@${r.version} (${r.arch})`
    if (!present.includes(r)) {
      findings.push({
        kind: 'files-gone', severity: 'error', where: r.path, fixable: true,
        message: `${who}: the state records it but its directory is gone`,
        hint: `--fix drops the record and its bin links; then runner features install ${r.id}@${r.version} to get it back`,
        repair: async () => {
          await unlinkBins(r.links, r.path)
          await updateState(rt.stateFile, (s) => ({ ...s, installs: s.installs.filter((x) => !sameInstall(x, r)) }))
        },
      })
    } else if (!find.hit) {
      findings.push({
        kind: 'find-miss', severity: 'error', where: find.path, fixable: false,
        message: `${who}: ${SETUP_ACTIONS[r.toolName] ?? 'a tool-cache find()'} misses it: ${find.reason}`,
        hint: `reinstall it: runner features uninstall ${r.id}@${r.version} && runner features install ${r.id}@${r.version}`,
      })
    }
  }

  findings.push(...(await linkFindings(rt, records, present, manifests)))
  findings.push(...(await pathFindings(rt, present)))
  findings.push(...(await toolCacheFindings(root, records, new Set([...discovery.plugins.map((p) => p.manifest.toolName), ...records.map((r) => r.toolName)]))))

  if (options.fix) {
    for (const f of findings) {
      if (!f.repair) continue
      try {
        await f.repair()
        f.fixed = true
      } catch (err) {
        f.fixed = false
        f.fixError = err instanceof Error ? err.message : String(err)
      }
    }
  }
  const problems = findings.map(({ repair: _repair, ...p }) => p)
  return { schemaVersion: 1, ok: !problems.some((p) => p.severity === 'error' && !p.fixed), toolCache: root, binDir: rt.binDir, features, problems }
}

/** The file in `record`'s install that a bin link named `name` should point at. */
function binTarget(record: InstalledRecord, name: string, manifest: FeatureManifest | undefined): string | undefined {
  const declared = declaredBins(manifest?.bins, hostOs()).find((b) => basename(b) === name)
  const candidates = declared ? [join(record.path, declared)] : [join(record.path, name), join(record.path, 'bin', name)]
  return candidates.find((c) => existsSync(c))
}

/** Of the installs that claim a link, the one it should point at: complete, newest installed. */
function owner(claimants: readonly InstalledRecord[]): InstalledRecord | undefined {
  return claimants.filter((r) => existsSync(`${r.path}.complete`)).sort((a, b) => b.installedAt.localeCompare(a.installedAt))[0]
}

/**
 * Bin links: every link a record made must exist and point at an installed version's file; every
 * link in the bin dir that points into the tool cache must point at something recorded.
 */
async function linkFindings(rt: Runtime, records: readonly InstalledRecord[], present: readonly InstalledRecord[], manifests: Map<string, FeatureManifest>): Promise<Finding[]> {
  const out: Finding[] = []
  const claims = new Map<string, InstalledRecord[]>()
  for (const r of present) for (const link of r.links) claims.set(link, [...(claims.get(link) ?? []), r])
  const gone = new Set(records.filter((r) => !present.includes(r)).flatMap((r) => r.links))
  const inBinDir = (await readdir(rt.binDir).catch(() => [] as string[])).map((n) => join(rt.binDir, n))
  const links = new Set([...claims.keys(), ...inBinDir])

  for (const link of links) {
    const claimants = claims.get(link) ?? []
    const best = owner(claimants)
    const target = best ? binTarget(best, basename(link), manifests.get(best.id)) : undefined
    const relink = best && target ? async () => void (await linkBins(best.path, [target.slice(best.path.length + 1)], dirname(link), rt.toolCacheRoot)) : undefined
    const kind = await isLink(link)
    if (kind === undefined) {
      if (claimants.length) out.push({ kind: 'link-missing', severity: 'error', where: link, fixable: !!relink, repair: relink, message: `${claimants[0]!.id}: the bin link ${link} is missing`, hint: relink ? `--fix links it to ${target}` : `reinstall ${claimants[0]!.id}` })
      continue
    }
    if (!kind) {
      if (claimants.length) out.push({ kind: 'link-foreign', severity: 'error', where: link, fixable: false, message: `${claimants[0]!.id}: ${link} is a file runner-features did not make, not its bin link`, hint: 'move that file aside, then reinstall the feature to relink' })
      continue
    }
    const points = resolve(dirname(link), await readlink(link))
    if (!inside(points, rt.toolCacheRoot)) {
      if (claimants.length) out.push({ kind: 'link-foreign', severity: 'error', where: link, fixable: false, message: `${claimants[0]!.id}: ${link} points outside the tool cache, at ${points}`, hint: 'somebody else owns that link; remove it, then reinstall the feature to relink' })
      continue
    }
    if (!existsSync(points)) {
      // A link into the tool cache is ours: pointing at nothing, relinking (or removing it) loses nothing.
      const repair = relink ?? (async () => rm(link, { force: true }))
      if (!gone.has(link) || claimants.length) out.push({ kind: 'link-dangling', severity: 'error', where: link, fixable: true, repair, message: `${link} points at ${points}, which is gone`, hint: relink ? `--fix links it to ${target}` : '--fix removes the link' })
      continue
    }
    const recorded = present.find((r) => inside(points, r.path))
    if (!recorded || (claimants.length && !claimants.includes(recorded))) {
      out.push({
        kind: 'link-other-version', severity: 'error', where: link, fixable: !!relink, repair: relink,
        message: `${link} points at ${points}, a version the state does not record${best ? ` (installed: ${best.id}@${best.version})` : ''}`,
        hint: relink ? `--fix links it to ${target}` : 'reinstall the feature that should own it',
      })
    }
  }
  return out
}

/** Executables of the same name earlier on PATH than the bin dir win over our links. */
async function pathFindings(rt: Runtime, present: readonly InstalledRecord[]): Promise<Finding[]> {
  const out: Finding[] = []
  const names = [...new Set(present.flatMap((r) => r.links).filter((l) => dirname(l) === rt.binDir).map((l) => basename(l)))]
  if (!names.length) return out
  const entries = (rt.env.PATH ?? '').split(':').filter(Boolean)
  const ours = entries.findIndex((d) => resolve(d) === resolve(rt.binDir))
  if (ours === -1) {
    out.push({ kind: 'bin-dir-off-path', severity: 'warning', where: rt.binDir, fixable: false, message: `the bin dir ${rt.binDir} is not on PATH: ${names.join(', ')} are only found by full path or through GITHUB_PATH`, hint: 'add it to PATH, or set RUNNER_FEATURES_BIN_DIR to a directory on PATH' })
    return out
  }
  for (const name of names) {
    for (const dir of entries.slice(0, ours)) {
      const candidate = join(dir, name)
      let executable = false
      try {
        const st = statSync(candidate)
        executable = st.isFile() && (st.mode & 0o111) !== 0
      } catch { /* not there */ }
      if (executable) {
        out.push({ kind: 'path-shadowed', severity: 'error', where: candidate, fixable: false, message: `${candidate} comes before ${join(rt.binDir, name)} on PATH, so \`${name}\` runs that one`, hint: `put ${rt.binDir} earlier on PATH, or remove ${candidate}` })
        break
      }
    }
  }
  return out
}

/**
 * Version directories of our tools: one without a marker and without a state record is what an
 * interrupted install leaves (removed by --fix unless an install holds its lock); one with a marker
 * but no record was not installed by runner-features (a setup action's own download) or lost its record.
 */
async function toolCacheFindings(root: string, records: readonly InstalledRecord[], tools: ReadonlySet<string>): Promise<Finding[]> {
  const out: Finding[] = []
  const recorded = new Set(records.map((r) => resolve(r.path)))
  const dirs = async (path: string) => (await readdir(path, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory() && !d.name.startsWith('.'))
  for (const tool of tools) {
    for (const version of await dirs(join(root, tool))) {
      for (const arch of (await dirs(join(root, tool, version.name))).filter((d) => !d.name.includes('.'))) {
        const path = join(root, tool, version.name, arch.name)
        if (recorded.has(resolve(path))) continue
        if (existsSync(`${path}.complete`)) {
          out.push({ kind: 'unrecorded-dir', severity: 'warning', where: path, fixable: false, message: `${tool} ${version.name} (${arch.name}) is complete but not in the state: a setup action's own download, or an install whose record was lost`, hint: 'leave it for the action, or remove it if runner-features put it there' })
          continue
        }
        const locked = existsSync(`${path}.lock`)
        out.push({
          kind: 'incomplete-dir', severity: 'error', where: path, fixable: !locked,
          message: `${tool} ${version.name} (${arch.name}) has no marker and no state record: what an interrupted install leaves`,
          hint: locked ? `an install holds ${path}.lock; run doctor again when it is done` : '--fix removes it',
          repair: locked ? undefined : async () => {
            await rm(path, { recursive: true, force: true })
            await rmdir(join(root, tool, version.name)).catch(() => undefined)
          },
        })
      }
    }
  }
  return out
}
