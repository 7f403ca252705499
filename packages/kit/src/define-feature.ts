import { featureFromPackage, type Feature, type FeatureCode, type FeaturePackageJson } from '@runner-features/core'

/**
 * Declares a feature from its package.json (imported `with { type: 'json' }`) and, when the
 * upstream is odd, code: `export default defineFeature(pkg, { listVersions, artifact })`.
 * Everything in `runner.feature` (id, platforms, bins, source, …) is stated there once; the code
 * adds only what data cannot say. A plugin whose `runner.feature.source` covers its upstream
 * needs no code at all (no `main`; core builds the feature from package.json).
 */
export function defineFeature<C extends FeatureCode>(pkg: FeaturePackageJson, code: C = {} as C): Feature & C {
  return featureFromPackage(pkg, code)
}
