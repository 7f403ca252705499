import { RunnerError } from './errors.js'
import type { Bins, Feature, FeatureManifest } from './feature.js'
import { parseFeatureManifest } from './manifest-schema.js'
import { renderLinks, sourceHooks } from './sources/index.js'

/**
 * What a plugin's code may add to its manifest: hooks, options, and (for features whose data is
 * computed) bins and smoke tests. Everything the manifest states (`id`, `platforms`, …) comes
 * from package.json only, so it is said once.
 */
export type FeatureCode = Partial<Omit<Feature, keyof FeatureManifest | 'binsByOs'>> & Partial<Pick<Feature, 'smokeTest'>> & { bins?: Bins }

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
  const hooks: Partial<ReturnType<typeof sourceHooks>> = manifest.source ? sourceHooks(manifest, manifest.source) : {}
  // The source's trimmed index is what the source's listVersions reads; code listing its own way
  // must say how its index is trimmed itself (or its mirror stays frozen-only).
  if (code.listVersions && !code.mirrorIndex) delete hooks.mirrorIndex
  const { symlinks, ...data } = manifest
  const declared = code.bins ?? manifest.bins
  // Per-OS bins: `bins` stays the Linux list (or the only one) for every reader that never sees
  // another OS; binsFor() picks the list of the OS an install runs on.
  const byOs = declared && !Array.isArray(declared) ? declared : undefined
  const bins = Array.isArray(declared) ? declared : (declared?.linux ?? declared?.windows)
  const smokeTest = code.smokeTest ?? manifest.smokeTest
  if (!bins?.length || !smokeTest) {
    const missing = [!bins?.length && 'bins', !smokeTest && 'smokeTest'].filter(Boolean).join(' and ')
    throw new RunnerError('PLUGIN_INVALID', `${pkg.name ?? manifest.id} declares no ${missing}`, { where: `${pkg.name ?? manifest.id}: runner.feature`, hint: 'state them in runner.feature (or in the code for computed ones)' })
  }
  const missingOs = byOs ? [...new Set(manifest.platforms.map((p) => p.os))].filter((os) => !byOs[os]?.length) : []
  if (missingOs.length) {
    throw new RunnerError('PLUGIN_INVALID', `${pkg.name ?? manifest.id} declares bins per OS but none for ${missingOs.join(', ')}, which its platforms name`, { where: `${pkg.name ?? manifest.id}: bins`, hint: `add a "${missingOs[0]}" list to bins (the executables of that OS's archive)` })
  }
  const links = code.links ?? (symlinks?.length ? (version: string, platform: Parameters<NonNullable<Feature['links']>>[1]) => renderLinks(manifest, version, platform) : undefined)
  const { bins: _codeBins, ...rest } = code
  return { ...data, ...hooks, ...rest, bins, ...(byOs ? { binsByOs: byOs } : {}), smokeTest, ...(links ? { links } : {}) } as unknown as Feature & C
}
