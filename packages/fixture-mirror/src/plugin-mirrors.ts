import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { findRepoRoot } from './cache.js'

/**
 * What a plugin's `fixtures/mirror.ts` builds: a directory in its upstream's layout, served as the
 * feature's mirror (`RUNNER_FEATURES_MIRROR_<ID>=<server>/<base>`), plus the versions it holds
 * artifacts for.
 */
export interface PluginMirror {
  /** The directory to serve (built once and cached; never written to by tests). */
  root: string
  /** Exact versions with artifacts in the mirror, oldest first. */
  versions: string[]
  /** Path under `root` that replaces the feature's `upstream` (default: `root` itself), e.g. `dl/` for go.dev. */
  base?: string
}

/**
 * The one interface every plugin folder's fixture offers: `plugins/<id>/fixtures/mirror.ts`
 * exporting `mirror(options?)`. The demo, the CLI's generic tests and the plugin's own tests all
 * go through it, so an upstream layout is written down once, next to the plugin it serves.
 */
export interface PluginMirrorModule {
  mirror(options?: Record<string, unknown>): Promise<PluginMirror>
}

/** A plugin folder that ships a fixture mirror. */
export interface PluginFixture {
  /** The feature id (`runner.feature.id` of the folder's package.json). */
  id: string
  /** `<repo>/plugins/<folder>` */
  dir: string
  /** `<dir>/fixtures/mirror.ts` */
  module: string
}

/**
 * Every `plugins/<folder>/fixtures/mirror.ts` of the monorepo, keyed by feature id: discovered,
 * never listed by hand, so a new plugin's fixture is found without editing this package.
 */
export function pluginFixtures(repo: string = findRepoRoot()): Map<string, PluginFixture> {
  const found = new Map<string, PluginFixture>()
  const plugins = join(repo, 'plugins')
  for (const folder of existsSync(plugins) ? readdirSync(plugins).sort() : []) {
    const dir = join(plugins, folder)
    const module = join(dir, 'fixtures', 'mirror.ts')
    if (!existsSync(module) || !existsSync(join(dir, 'package.json'))) continue
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { runner?: { feature?: { id?: string } } }
    const id = pkg.runner?.feature?.id ?? folder
    found.set(id, { id, dir, module })
  }
  return found
}

/**
 * Builds the fixture mirror of feature `id` through its `fixtures/mirror.ts` (a TypeScript file:
 * vitest transforms it; plain Node ≥ 22.18 strips its types, which is how the demo and
 * `fixture-mirror serve-demo` load it from dist).
 */
export async function pluginMirror(id: string, options?: Record<string, unknown>, repo?: string): Promise<PluginMirror> {
  const fixture = pluginFixtures(repo).get(id)
  if (!fixture) throw new Error(`fixture-mirror: no plugins/*/fixtures/mirror.ts for feature "${id}" (have: ${[...pluginFixtures(repo).keys()].join(', ') || 'none'})`)
  const mod = (await import(pathToFileURL(fixture.module).href)) as Partial<PluginMirrorModule>
  if (typeof mod.mirror !== 'function') throw new Error(`fixture-mirror: ${fixture.module} does not export mirror(options)`)
  return mod.mirror(options)
}
