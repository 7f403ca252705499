import { randomBytes } from 'node:crypto'
import { cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import {
  RunnerError, loadFeature, manifestProblem, pluginInstallDir, withFileLock,
  type FeatureManifest, type Logger, type PluginRef,
} from '@runner-features/core'
import { approvalsFileFor, assertPluginAllowed, findConfig, loadPluginPolicy, policyPathFor } from '@runner-features/core/config'
import { fileIntegrity } from '@runner-features/engine'
import { downloadWithIntegrity, extractArchiveFile, resolveNpmPackage } from '@runner-features/installer'
import type { Runtime } from '../runtime.js'

interface PluginsIndex {
  private: true
  description?: string
  dependencies: Record<string, string>
  /** npm integrity of registry installs, for lockfiles and audits. */
  runnerFeatures?: { integrity?: Record<string, string> }
}

export interface PluginInstallResult {
  name: string
  version: string
  id: string
  dir: string
  source: 'directory' | 'tarball' | 'registry'
  integrity?: string
}

async function kindOf(spec: string): Promise<'directory' | 'tarball' | 'registry'> {
  const s = await stat(spec).catch(() => undefined)
  if (s?.isDirectory()) return 'directory'
  if (s?.isFile()) return 'tarball'
  return 'registry'
}

/** Copies a plugin directory: package.json plus its `files` (or everything but node_modules/.git). */
async function copyDirectory(src: string, dest: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(src, 'package.json'), 'utf8')) as { files?: string[] }
  const wanted = pkg.files ? ['package.json', 'oclif.manifest.json', 'README.md', 'CHANGELOG.md', 'LICENSE', ...pkg.files] : undefined
  if (!wanted) {
    await cp(src, dest, { recursive: true, filter: (p) => !/\/(node_modules|\.git)(\/|$)/.test(p.slice(src.length)) })
    return
  }
  for (const entry of new Set(wanted)) {
    const from = join(src, entry)
    if (await stat(from).catch(() => undefined)) await cp(from, join(dest, entry), { recursive: true })
  }
}

/** How {@link installPlugin} finds and checks the package. */
export interface PluginInstallOptions {
  logger: Logger
  /** For npm names. Default: https://registry.npmjs.org/. */
  registry?: string
  /**
   * For a tarball: the npm integrity its bytes must have (PLUGIN_INTEGRITY_MISMATCH otherwise); it is
   * then recorded as a registry install's would be, so policy pins and the lock see it
   * (`install --from` a bundle passes the lock's).
   */
  integrity?: string
  /** The team config whose policy governs (default: the one found from the cwd). */
  configFile?: string
}

/**
 * `runner plugins install <npm name | tarball | dir>`: unpacks the plugin into a staging dir,
 * checks it is a self-contained feature plugin whose code matches its metadata, then swaps it into
 * `<plugins dir>/node_modules/<name>` and records it in the dir's package.json (npm-compatible).
 * Registry installs are verified against the registry's integrity hash.
 */
export async function installPlugin(rt: Runtime, spec: string, opts: PluginInstallOptions): Promise<PluginInstallResult> {
  const root = pluginInstallDir(rt.env, rt.uid)
  const modules = join(root, 'node_modules')
  await mkdir(modules, { recursive: true })
  const staging = join(modules, `.staging-${randomBytes(4).toString('hex')}`)
  await mkdir(staging)
  const source = await kindOf(spec)
  let integrity: string | undefined
  try {
    if (source === 'directory') {
      await copyDirectory(resolve(spec), staging)
    } else if (source === 'tarball') {
      if (opts.integrity) {
        const got = await fileIntegrity(resolve(spec), opts.integrity)
        if (got !== opts.integrity) {
          throw new RunnerError('PLUGIN_INTEGRITY_MISMATCH', `${spec} has integrity ${got ?? 'of an unsupported kind'}, expected ${opts.integrity}`, { where: spec, hint: 'the tarball was changed or replaced; nothing was installed' })
        }
        integrity = opts.integrity
      }
      await extractArchiveFile(resolve(spec), 'tar.gz', { dest: staging, strip: 1, source: spec })
    } else {
      const resolved = await resolveNpmPackage(spec, opts.registry ?? 'https://registry.npmjs.org/', opts.logger)
      const file = await downloadWithIntegrity(resolved, join(rt.cacheDir, 'plugins'), opts.logger)
      try {
        await extractArchiveFile(file, 'tar.gz', { dest: staging, strip: 1, source: resolved.tarball })
      } finally {
        await rm(file, { force: true })
      }
      integrity = resolved.integrity
    }
    const pkg = JSON.parse(await readFile(join(staging, 'package.json'), 'utf8').catch(() => {
      throw new RunnerError('PLUGIN_INVALID', 'the package has no package.json', { where: spec, hint: 'point at a plugin package directory, its npm pack tarball, or its npm name' })
    })) as { name: string; version: string; dependencies?: Record<string, string>; runner?: { feature?: FeatureManifest } }
    const problem = manifestProblem(pkg)
    if (problem) throw new RunnerError('PLUGIN_INVALID', `${pkg.name ?? spec} is not a feature plugin: ${problem}`, { where: spec, hint: 'see docs/plugins.md for the runner.feature block' })
    const deps = Object.keys(pkg.dependencies ?? {})
    if (deps.length) {
      throw new RunnerError('PLUGIN_INVALID', `${pkg.name} has runtime dependencies (${deps.join(', ')})`, { where: spec, hint: 'feature plugins are self-contained bundles: bundle them (tsup noExternal) and move them to devDependencies' })
    }
    const ref: PluginRef = { name: pkg.name, version: pkg.version, dir: staging, origin: 'user', manifest: pkg.runner!.feature! }
    // The plugin policy decides before any of the package's code is imported (docs/trust.md).
    const policy = await loadPluginPolicy(policyPathFor(rt.env, opts.configFile ?? await findConfig(process.cwd())), approvalsFileFor(rt.stateFile))
    assertPluginAllowed({ name: pkg.name, version: pkg.version, integrity }, policy, spec)
    await loadFeature(ref)

    const target = join(modules, pkg.name)
    await withFileLock(join(root, '.plugins.lock'), async () => {
      await mkdir(join(target, '..'), { recursive: true })
      const old = `${staging}-old`
      await rename(target, old).catch(() => undefined)
      await rename(staging, target)
      await rm(old, { recursive: true, force: true })
      const index = await readIndex(root)
      index.dependencies[pkg.name] = pkg.version
      index.runnerFeatures ??= {}
      index.runnerFeatures.integrity ??= {}
      if (integrity) index.runnerFeatures.integrity[pkg.name] = integrity
      else delete index.runnerFeatures.integrity[pkg.name]
      await writeIndex(root, index)
    }, { what: 'the plugins directory', timeoutMs: 60_000 })
    return { name: pkg.name, version: pkg.version, id: ref.manifest.id, dir: target, source, integrity }
  } catch (err) {
    if (err instanceof RunnerError) throw err
    throw new RunnerError('PLUGIN_INSTALL_FAILED', `${spec}: ${(err as Error).message}`, { where: spec, hint: 'check the path, tarball or package name', cause: err })
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** `runner plugins uninstall <name | feature id>`. Bundled plugins cannot be removed. */
export async function uninstallPlugin(rt: Runtime, nameOrId: string, plugins: readonly PluginRef[]): Promise<{ name: string; dir: string }> {
  const root = pluginInstallDir(rt.env, rt.uid)
  const ref = plugins.find((p) => p.origin === 'user' && (p.name === nameOrId || p.manifest.id === nameOrId) && p.dir.startsWith(root))
  if (!ref) {
    const bundled = plugins.find((p) => p.name === nameOrId || p.manifest.id === nameOrId)
    throw new RunnerError('NOT_INSTALLED', `${nameOrId} is not a plugin installed in ${root}`, { where: nameOrId, hint: bundled ? `${bundled.name} ships with the CLI and cannot be removed` : 'see `runner plugins`' })
  }
  await withFileLock(join(root, '.plugins.lock'), async () => {
    const index = await readIndex(root)
    delete index.dependencies[ref.name]
    if (index.runnerFeatures?.integrity) delete index.runnerFeatures.integrity[ref.name]
    await writeIndex(root, index)
    await rm(ref.dir, { recursive: true, force: true })
  }, { what: 'the plugins directory', timeoutMs: 60_000 })
  return { name: ref.name, dir: ref.dir }
}

async function readIndex(root: string): Promise<PluginsIndex> {
  const text = await readFile(join(root, 'package.json'), 'utf8').catch(() => undefined)
  const index = text ? (JSON.parse(text) as PluginsIndex) : { private: true as const, dependencies: {} }
  index.dependencies ??= {}
  return index
}

async function writeIndex(root: string, index: PluginsIndex): Promise<void> {
  index.description ??= 'Feature plugins installed by `runner plugins install` (npm-compatible layout).'
  const tmp = join(root, `package.json.${process.pid}.tmp`)
  await writeFile(tmp, `${JSON.stringify(index, null, 2)}\n`)
  await rename(tmp, join(root, 'package.json'))
}
