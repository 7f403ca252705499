import { readFile, rename, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RunnerError, isRunnerError } from './errors.js'
import type { Feature, FeatureManifest, PluginRef } from './feature.js'
import { compareText } from './compare.js'

interface PackageJson {
  name?: string
  version?: string
  main?: string
  exports?: unknown
  dependencies?: Record<string, string>
  oclif?: { plugins?: string[] }
  runner?: { feature?: FeatureManifest }
}

async function readJson(path: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PackageJson
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new RunnerError('PLUGIN_INVALID', `cannot read ${path}: ${(err as Error).message}`, { where: path, hint: 'reinstall the plugin' })
  }
}

/** Node-style lookup of `<dir>/node_modules/<name>` walking up from `from`. */
async function findPackage(from: string, name: string): Promise<{ dir: string; pkg: PackageJson } | undefined> {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    const pkg = await readJson(join(candidate, 'package.json'))
    if (pkg) return { dir: candidate, pkg }
    if (dirname(dir) === dir) return undefined
  }
}

const REQUIRED: (keyof FeatureManifest)[] = ['id', 'description', 'toolName', 'defaultVersion', 'upstream', 'platforms']

/** Checks a package.json's `runner.feature` block; returns the problem or undefined. */
export function manifestProblem(pkg: PackageJson): string | undefined {
  const m = pkg.runner?.feature
  if (!m) return 'package.json has no runner.feature block'
  const missing = REQUIRED.filter((k) => m[k] === undefined)
  if (missing.length) return `runner.feature lacks ${missing.join(', ')}`
  if (!/^[a-z][a-z0-9-]*$/.test(m.id)) return `runner.feature.id "${m.id}" is not lower-case letters, digits and dashes`
  if (m.dependsOn !== undefined && (!Array.isArray(m.dependsOn) || m.dependsOn.some((d) => typeof d?.id !== 'string' || typeof d.version !== 'string'))) return 'runner.feature.dependsOn must be a list of {id, version, options?}'
  if (m.installsAfter !== undefined && (!Array.isArray(m.installsAfter) || m.installsAfter.some((d) => typeof d !== 'string'))) return 'runner.feature.installsAfter must be a list of feature ids'
  return undefined
}

function toRef(dir: string, pkg: PackageJson, origin: PluginRef['origin']): PluginRef {
  const problem = manifestProblem(pkg)
  if (problem) throw new RunnerError('PLUGIN_INVALID', `${pkg.name ?? dir} is not a feature plugin: ${problem}`, { where: join(dir, 'package.json'), hint: 'see docs/plugins.md for the runner.feature block' })
  return { name: pkg.name ?? dir, version: pkg.version ?? '0.0.0', dir, origin, manifest: pkg.runner!.feature! }
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
  /** Plugins that could not be read; reported by `list`, fatal only when requested. */
  problems: { where: string; message: string }[]
  shadowed: PluginRef[]
}

/**
 * Finds feature plugins by reading package.json files only — no plugin code is imported, so this
 * stays cheap however many plugins are installed.
 */
export async function discoverPlugins(input: DiscoveryInput): Promise<Discovery> {
  const problems: Discovery['problems'] = []
  const found: PluginRef[] = []
  const attempt = async (where: string, load: () => Promise<PluginRef | undefined>) => {
    try {
      const ref = await load()
      if (ref) found.push(ref)
    } catch (err) {
      problems.push({ where, message: isRunnerError(err) ? err.message : String(err) })
    }
  }

  // User plugins first: they win over bundled ones with the same id.
  for (const dir of input.pluginDirs) {
    const cached = await readPluginIndex(dir)
    if (cached) {
      found.push(...cached.plugins)
      problems.push(...cached.problems)
      continue
    }
    const before = found.length
    const problemsBefore = problems.length
    const index = await readJson(join(dir, 'package.json'))
    const names = Object.keys(index?.dependencies ?? {})
    await Promise.all(names.map((name) => attempt(`${dir}: ${name}`, async () => {
      const pkgDir = join(dir, 'node_modules', name)
      const pkg = await readJson(join(pkgDir, 'package.json'))
      if (!pkg) throw new RunnerError('PLUGIN_INVALID', `${name} is listed but not installed`, { where: pkgDir })
      return toRef(pkgDir, pkg, 'user')
    })))
    if (index) await writePluginIndex(dir, found.slice(before), problems.slice(problemsBefore))
  }
  const cli = await readJson(input.cliPackageJson)
  const cliDir = dirname(input.cliPackageJson)
  await Promise.all((cli?.oclif?.plugins ?? []).map((name) => attempt(name, async () => {
    const hit = await findPackage(cliDir, name)
    if (!hit) throw new RunnerError('PLUGIN_INVALID', `bundled plugin ${name} is not installed`, { where: input.cliPackageJson })
    // oclif's own plugins (help, etc.) have no runner.feature block and are not features.
    return hit.pkg.runner?.feature ? toRef(hit.dir, hit.pkg, 'bundled') : undefined
  })))

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

async function dirStamp(dir: string): Promise<string | undefined> {
  const [pkg, modules] = await Promise.all([stat(join(dir, 'package.json')).catch(() => undefined), stat(join(dir, 'node_modules')).catch(() => undefined)])
  return pkg ? `${pkg.mtimeMs}:${pkg.size}:${modules?.mtimeMs ?? 0}` : undefined
}

async function readPluginIndex(dir: string): Promise<PluginIndexFile | undefined> {
  const [stamp, text] = await Promise.all([dirStamp(dir), readFile(join(dir, PLUGIN_INDEX), 'utf8').catch(() => undefined)])
  if (!stamp || !text) return undefined
  try {
    const index = JSON.parse(text) as PluginIndexFile
    return index.schemaVersion === 1 && index.stamp === stamp && Array.isArray(index.plugins) ? index : undefined
  } catch {
    return undefined
  }
}

async function writePluginIndex(dir: string, plugins: PluginRef[], problems: Discovery['problems']): Promise<void> {
  const stamp = await dirStamp(dir)
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

/** Imports a plugin's feature module (its package `main`) and checks it matches its manifest. */
export async function loadFeature(ref: PluginRef): Promise<Feature> {
  const pkg = (await readJson(join(ref.dir, 'package.json')))!
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
