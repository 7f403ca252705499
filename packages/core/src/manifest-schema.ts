import { z } from 'zod'
import type { FeatureManifest } from './feature.js'
import { manifestParser } from './manifest-zod.js'

/**
 * The `runner.feature` block of a plugin's package.json, validated before anything trusts it (the
 * schema is in manifest-zod.ts). This module imports zod statically: plugin code (`defineFeature`)
 * and `runner plugins install` use it; discovery uses manifest-zod.ts with a lazily imported zod.
 */
const parser = manifestParser(z)

export const featureManifestSchema = parser.schema

/** The manifest, or the problems that make it unusable (each naming its field). */
export function parseFeatureManifest(value: unknown): { manifest: FeatureManifest } | { problems: string[] } {
  return parser.parse(value)
}

/** Checks a package.json's `runner.feature` block with the schema; returns the problem or undefined. */
export function manifestProblem(pkg: { runner?: { feature?: unknown } }): string | undefined {
  const parsed = parseFeatureManifest(pkg.runner?.feature)
  return 'problems' in parsed ? parsed.problems.join('; ') : undefined
}
