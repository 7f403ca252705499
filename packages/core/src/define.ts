import { RunnerError } from './errors.js'
import type { Feature, FeatureManifest } from './feature.js'
import { parseFeatureManifest } from './manifest-schema.js'
import { renderLinks, sourceHooks } from './sources/index.js'

/**
 * What a plugin's code may add to its manifest: hooks, options, and (for features whose data is
 * computed) bins and smoke tests. Everything the manifest states (`id`, `platforms`, …) comes
 * from package.json only, so it is said once.
 */
export type FeatureCode = Partial<Omit<Feature, keyof FeatureManifest>> & Partial<Pick<Feature, 'bins' | 'smokeTest'>>

/** A package.json as imported (`with { type: 'json' }`): only `name` and `runner.feature` are read. */
export interface FeaturePackageJson {
  name?: string
  runner?: { feature?: unknown }
}

/** The validated `runner.feature` block, or `PLUGIN_INVALID` naming the package and the field. */
export function manifestOf(pkg: FeaturePackageJson): FeatureManifest {
  const parsed = parseFeatureManifest(pkg.runner?.feature)
  if ('problems' in parsed) {
    throw new RunnerError('PLUGIN_INVALID', `${pkg.name ?? 'the plugin'}: ${parsed.problems.join('; ')}`, { where: `${pkg.name ?? 'package.json'}: runner.feature`, hint: 'fix the runner.feature block in the plugin\'s package.json (see docs/plugins.md)' })
  }
  return parsed.manifest
}

/**
 * A feature from its package.json block plus optional code. A declared `source` supplies
 * `listVersions`/`artifact` (code hooks, when given, win); manifest `symlinks` templates become
 * `links(version, platform)`. A plugin with a source and no code is complete as data.
 */
export function featureFromPackage<C extends FeatureCode>(pkg: FeaturePackageJson, code: C = {} as C): Feature & C {
  const manifest = manifestOf(pkg)
  const hooks = manifest.source ? sourceHooks(manifest, manifest.source) : {}
  const { symlinks, ...data } = manifest
  const bins = code.bins ?? manifest.bins
  const smokeTest = code.smokeTest ?? manifest.smokeTest
  if (!bins?.length || !smokeTest) {
    const missing = [!bins?.length && 'bins', !smokeTest && 'smokeTest'].filter(Boolean).join(' and ')
    throw new RunnerError('PLUGIN_INVALID', `${pkg.name ?? manifest.id} declares no ${missing}`, { where: `${pkg.name ?? manifest.id}: runner.feature`, hint: 'state them in runner.feature (or in the code for computed ones)' })
  }
  const links = code.links ?? (symlinks?.length ? (version: string, platform: Parameters<NonNullable<Feature['links']>>[1]) => renderLinks(manifest, version, platform) : undefined)
  return { ...data, ...hooks, ...code, bins, smokeTest, ...(links ? { links } : {}) } as Feature & C
}
