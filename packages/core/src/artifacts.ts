import { RunnerError } from './errors.js'
import type { Artifact, Feature } from './feature.js'
import type { FeatureContext } from './context.js'
import type { Platform } from './platform.js'
import type { RemoteVersion } from './version-spec.js'

/**
 * Every artifact of one version on one platform, in extraction order: the plugin's `artifacts()`
 * when it declares one, else its single `artifact()`. Core calls this instead of either hook, so
 * one-archive plugins (nodejs, terraform) and many-archive ones (cuda) share one install flow.
 */
export async function artifactsFor(
  feature: Pick<Feature, 'id' | 'artifact' | 'artifacts'>, version: RemoteVersion, platform: Pick<Platform, 'os' | 'arch' | 'libc'>, ctx: FeatureContext,
): Promise<Artifact[]> {
  const where = `${feature.id}@${version.version}`
  if (feature.artifacts) {
    const list = await feature.artifacts(version, platform, ctx)
    if (!Array.isArray(list) || list.length === 0) {
      throw new RunnerError('PLUGIN_INVALID', `the plugin returned no artifacts for ${platform.os}-${platform.arch}`, { where, hint: 'artifacts() must return at least one artifact (or throw UNSUPPORTED_PLATFORM); report it to the plugin author' })
    }
    return list
  }
  if (feature.artifact) return [await feature.artifact(version, platform, ctx)]
  throw new RunnerError('PLUGIN_INVALID', 'the feature declares neither artifact() nor artifacts()', { where, hint: 'a downloadable feature must say what to download; report it to the plugin author' })
}
