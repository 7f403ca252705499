import { readFileSync, statSync, type Stats } from 'node:fs'
import { rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RunnerError, isRunnerError } from './errors.js'
import type { Feature, FeatureManifest, PluginRef } from './feature.js'
import { manifestLooksValid } from './manifest-shape.js'
import { manifestParser } from './manifest-zod.js'
import { compareText } from './compare.js'
import { indexedPlugin, readBundledIndex } from './bundled-index.js'

export { BUNDLED_INDEX, writeBundledIndex } from './bundled-index.js'

interface PackageJson {
  name?: string
  version?: string
  main?: string
  exports?: unknown
  dependencies?: Record<string, string>
  oclif?: { plugins?: string[] }
  runner?: { feature?: unknown }
}

/**
 * Synchronous on purpose, as are the index reads below: discovery reads a few small local files,
 * and on the `features list` path each thread-pool round trip of an async read costs more than the
 * read itself (the first one ≈ 3-8 ms here; docs/benchmarks.md).
 */
function readJson(path: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PackageJson
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new RunnerError('PLUGIN_INVALID', `cannot read ${path}: ${(err as Error).message}`, { where: path, hint: 'reinstall the plugin' })
  }
}

/** Node-style lookup of `<dir>/node_modules/<name>` walking up from `from`. */
function findPackage(from: string, name: string): { dir: string; pkg: PackageJson } | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    const pkg = readJson(join(candidate, 'package.json'))
    if (pkg) return { dir: candidate, pkg }
    if (dirname(dir) === dir) return undefined
  }
}

/** The feature id a broken manifest claims, when it is at least a string (so a request for it can be told why it is missing). */
function claimedId(pkg: PackageJson | undefined): string | undefined {
  const id = (pkg?.runner?.feature as { id?: unknown } | undefined)?.id
  return typeof id === 'string' ? id : undefined
}

/**
 * The plugin's ref, or `PLUGIN_INVALID` naming the field. `full` runs the zod schema; otherwise a
 * manifest that passes the cheap {@link manifestLooksValid} skips it, so `features list` and the
 * no-op install never load zod (see manifest-shape.ts). The schema (and zod) is imported only when
 * needed, and gives the message either way.
 */
async function toRef(dir: string, pkg: PackageJson, origin: PluginRef['origin'], full: boolean): Promise<PluginRef> {
  const feature = pkg.runner?.feature
  let manifest: FeatureManifest
  if (!full && manifestLooksValid(feature)) manifest = feature as FeatureManifest
  else {
    const parsed = manifestParser((await import('zod')).z).parse(feature)
    if ('problems' in parsed) {
      // Discovery reports it with `where` naming the package (and the feature id it claims).
      throw new RunnerError('PLUGIN_INVALID', `the plugin is disabled: ${parsed.problems.join('; ')}`, { where: join(dir, 'package.json'), hint: 'fix the runner.feature block (see docs/plugins.md) or reinstall the plugin; other features are unaffected' })
    }
    manifest = parsed.manifest
  }
  return { name: pkg.name ?? dir, version: pkg.version ?? '0.0.0', dir, origin, manifest }
}

export interface DiscoveryInput {
  /** The CLI's package.json: its `oclif.plugins` list names the bundled feature plugins. */
  cliPackageJson: string
  /** Directories managed by `runner plugins install` (see `pluginDirs`). */
  pluginDirs: readonly string[]
}

export interface Discovery {
  /** One per feature id; a user-installed plugin shadows the bundled one with the same id. */
  plugins: PluginRef[]
  /**
   * Plugins (or plugin directories) that could not be read: each is disabled alone, reported by
   * `list` as a warning, and the error when its feature is requested. `where` names the package
   * (and the feature id when the manifest states one) so a request can be matched to it.
   */
  problems: { where: string; message: string; id?: string }[]
  shadowed: PluginRef[]
}

/**
 * Finds feature plugins by reading package.json files only — no plugin code is imported, so this
 * stays cheap however many plugins are installed.
 */
export async function discoverPlugins(input: DiscoveryInput): Promise<Discovery> {
  const problems: Discovery['problems'] = []
  const found: PluginRef[] = []
  const attempt = async (where: string, load: () => Promise<PluginRef | undefined>, id?: () => string | undefined) => {
    try {
      const ref = await load()
      if (ref) found.push(ref)
    } catch (err) {
      const claimed = id?.()
      problems.push({ where: claimed ? `${where} (feature "${claimed}")` : where, message: isRunnerError(err) ? err.message : String(err), ...(claimed ? { id: claimed } : {}) })
    }
  }

  // User plugins first: they win over bundled ones with the same id.
  for (const dir of input.pluginDirs) {
    const cached = readPluginIndex(dir)
    if (cached) {
      found.push(...cached.plugins)
      problems.push(...cached.problems)
      continue
    }
    const before = found.length
    const problemsBefore = problems.length
    let index: PackageJson | undefined
    try {
      index = readJson(join(dir, 'package.json'))
      if (index !== undefined && (typeof index !== 'object' || index === null || Array.isArray(index) || (index.dependencies !== undefined && (typeof index.dependencies !== 'object' || index.dependencies === null)))) {
        throw new RunnerError('PLUGIN_INVALID', `${join(dir, 'package.json')} is not a package.json with a dependencies object`, { where: join(dir, 'package.json') })
      }
    } catch (err) {
      // A broken plugins dir disables the plugins in it, never the bundled features.
      problems.push({ where: join(dir, 'package.json'), message: `the plugins directory is unusable, its plugins are disabled: ${isRunnerError(err) ? err.message : String(err)}` })
      continue
    }
    const names = Object.keys(index?.dependencies ?? {})
    await Promise.all(names.map((name) => {
      let pkg: PackageJson | undefined
      return attempt(`${dir}: ${name}`, async () => {
        const pkgDir = join(dir, 'node_modules', name)
        pkg = readJson(join(pkgDir, 'package.json'))
        if (!pkg) throw new RunnerError('PLUGIN_INVALID', `${name} is listed but not installed`, { where: pkgDir })
        // Full schema: the verdict is cached in the plugins-dir index, so zod loads only on a rebuild.
        return toRef(pkgDir, pkg, 'user', true)
      }, () => claimedId(pkg))
    }))
    if (index) await writePluginIndex(dir, found.slice(before), problems.slice(problemsBefore))
  }
  const cli = readJson(input.cliPackageJson)
  const cliDir = dirname(input.cliPackageJson)
  // The build's index of the bundled plugins (bundled-index.ts): one read and a stat per plugin;
  // a plugin it does not vouch for is looked up and read as before.
  const index = readBundledIndex(cliDir)
  await Promise.all((cli?.oclif?.plugins ?? []).map((name) => {
    let pkg: PackageJson | undefined
    return attempt(name, async () => {
      const hit = indexedPlugin(cliDir, name, index) ?? findPackage(cliDir, name)
      if (!hit) throw new RunnerError('PLUGIN_INVALID', `bundled plugin ${name} is not installed`, { where: input.cliPackageJson })
      pkg = hit.pkg
      // oclif's own plugins (help, etc.) have no runner.feature block and are not features.
      return hit.pkg.runner?.feature ? toRef(hit.dir, hit.pkg, 'bundled', false) : undefined
    }, () => claimedId(pkg))
  }))

  const byId = new Map<string, PluginRef>()
  const shadowed: PluginRef[] = []
  const ordered = [...found.filter((p) => p.origin === 'user'), ...found.filter((p) => p.origin === 'bundled')]
  for (const ref of ordered) {
    if (byId.has(ref.manifest.id)) shadowed.push(ref)
    else byId.set(ref.manifest.id, ref)
  }
  const plugins = [...byId.values()].sort((a, b) => compareText(a.manifest.id, b.manifest.id))
  return { plugins, problems, shadowed }
}

/**
 * A plugins directory keeps `.runner-features-index.json`: every plugin's metadata in one file, so
 * listing reads one file however many plugins are installed. It is valid while the directory's
 * package.json and node_modules keep the mtimes it recorded (`runner plugins install` and
 * `npm install` both change them); otherwise it is rebuilt, and rewritten when the dir is writable.
 */
const PLUGIN_INDEX = '.runner-features-index.json'

interface PluginIndexFile {
  schemaVersion: 1
  stamp: string
  plugins: PluginRef[]
  problems: Discovery['problems']
}

/** `stat`, or undefined for any failure (missing, unreadable): a stamp that cannot be taken matches nothing. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

function dirStamp(dir: string): string | undefined {
  const pkg = statOrUndefined(join(dir, 'package.json'))
  const modules = statOrUndefined(join(dir, 'node_modules'))
  return pkg ? `${pkg.mtimeMs}:${pkg.size}:${modules?.mtimeMs ?? 0}` : undefined
}

function readPluginIndex(dir: string): PluginIndexFile | undefined {
  try {
    const stamp = dirStamp(dir)
    if (!stamp) return undefined
    const index = JSON.parse(readFileSync(join(dir, PLUGIN_INDEX), 'utf8')) as PluginIndexFile
    return index.schemaVersion === 1 && index.stamp === stamp && Array.isArray(index.plugins) ? index : undefined
  } catch {
    return undefined
  }
}

async function writePluginIndex(dir: string, plugins: PluginRef[], problems: Discovery['problems']): Promise<void> {
  const stamp = dirStamp(dir)
  if (!stamp) return
  const file: PluginIndexFile = { schemaVersion: 1, stamp, plugins, problems }
  const tmp = join(dir, `${PLUGIN_INDEX}.${process.pid}.tmp`)
  try {
    await writeFile(tmp, JSON.stringify(file))
    await rename(tmp, join(dir, PLUGIN_INDEX))
  } catch {
    // A read-only plugins dir (a shared volume, another user's): discovery still works, just slower.
  }
}

/**
 * A plugin's feature: built from package.json alone for a declarative plugin, else imported from
 * its package `main` and checked against its manifest.
 */
export async function loadFeature(ref: PluginRef): Promise<Feature> {
  const pkg = readJson(join(ref.dir, 'package.json'))!
  // A declarative plugin is data only: no `main`, a declared source; core builds the feature.
  // define.js (and with it zod) is imported here, not at the top, to keep it off discovery's path.
  if (pkg.main === undefined && pkg.exports === undefined && ref.manifest.source) return (await import('./define.js')).featureFromPackage(pkg)
  const entry = join(ref.dir, pkg.main ?? 'dist/index.js')
  let mod: { default?: Feature }
  try {
    mod = (await import(pathToFileURL(entry).href)) as { default?: Feature }
  } catch (err) {
    throw new RunnerError('PLUGIN_INVALID', `${ref.name} could not be loaded: ${(err as Error).message}`, { where: entry, hint: 'reinstall the plugin; plugins must be self-contained ESM bundles', cause: err })
  }
  const feature = mod.default
  if (!feature || typeof feature.listVersions !== 'function' || (typeof feature.artifact !== 'function' && typeof feature.artifacts !== 'function')) {
    throw new RunnerError('PLUGIN_INVALID', `${ref.name} has no default-exported feature`, { where: entry, hint: 'export default defineFeature({...}) from the package main' })
  }
  if (feature.id !== ref.manifest.id || feature.toolName !== ref.manifest.toolName) {
    throw new RunnerError('PLUGIN_INVALID', `${ref.name}: code says ${feature.id}/${feature.toolName}, package.json says ${ref.manifest.id}/${ref.manifest.toolName}`, { where: entry, hint: 'keep runner.feature in package.json in step with the code' })
  }
  return feature
}

/** Levenshtein distance, for did-you-mean on unknown feature ids. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}

/** Known ids close to `id` (prefix match or within a third of its length), closest first. */
export function suggestIds(id: string, known: readonly string[]): string[] {
  return known
    .map((k) => ({ k, d: k.startsWith(id) || id.startsWith(k) ? 0 : distance(id, k) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(id.length / 3)))
    .sort((a, b) => a.d - b.d || compareText(a.k, b.k))
    .map(({ k }) => k)
}

export function unknownFeature(id: string, where: string, known: readonly string[]): RunnerError {
  const close = suggestIds(id, known)
  return new RunnerError('UNKNOWN_FEATURE', `no plugin provides the feature "${id}"`, {
    where,
    hint: close.length ? `did you mean ${close.slice(0, 3).join(', ')}?` : `available: ${known.join(', ') || 'none'}; add one with \`runner plugins install <npm name | tarball | dir>\``,
    details: { suggestions: close },
  })
}
