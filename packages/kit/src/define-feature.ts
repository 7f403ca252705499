import type { Feature } from '@runner-features/core'

/**
 * Declares a feature. An identity function that exists for type inference and to give plugin
 * authors one obvious entry point: `export default defineFeature({...})`.
 */
export function defineFeature<F extends Feature>(feature: F): F {
  return feature
}
