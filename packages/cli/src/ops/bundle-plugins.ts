import type { Logger } from '@runner-features/core'
import { discover, pluginIntegrities, type BundledPlugin } from '@runner-features/engine'
import type { Runtime } from '../runtime.js'
import { installPlugin, type PluginInstallResult } from './plugins.js'

/**
 * `install --from <bundle>`, before the features: installs each plugin tarball the bundle carries
 * unless this machine already has that exact package (same name, version and npm integrity). Each
 * goes through `runner plugins install`'s own path from the tarball, so the plugin policy decides as
 * for any install, and the tarball must hash to the lock's integrity, which is then recorded (the
 * locked install that follows checks it again: PLUGIN_INTEGRITY_MISMATCH).
 */
export async function installBundledPlugins(rt: Runtime, plugins: readonly BundledPlugin[], o: { logger: Logger; configFile?: string }): Promise<PluginInstallResult[]> {
  if (!plugins.length) return []
  const [discovery, integrity] = await Promise.all([discover(rt), pluginIntegrities(rt)])
  const installed: PluginInstallResult[] = []
  for (const p of plugins) {
    const present = discovery.plugins.some((ref) => ref.origin === 'user' && ref.name === p.name && ref.version === p.version) && integrity.get(p.name) === p.integrity
    if (present) continue
    const result = await installPlugin(rt, p.file, { logger: o.logger, integrity: p.integrity, configFile: o.configFile })
    o.logger.info(`installed plugin ${result.name}@${result.version} (feature "${result.id}") from the bundle into ${result.dir}`)
    installed.push(result)
  }
  return installed
}
