import { isRunnerError, type Logger } from '@runner-features/core'
import { discover, pluginIntegrities, type BundledPlugin } from '@runner-features/engine'
import type { Runtime } from '../runtime.js'
import { installPlugin } from './plugins.js'

/**
 * One plugin tarball a bundle carries, as `install --from --json` reports it (`bundle.plugins`):
 * installed from the bundle by this run, already on this machine (same name, version and npm
 * integrity, so left alone), or, on `--dry-run`, one that would be installed.
 */
export interface BundlePluginReport {
  /** The feature the lock records this plugin for. */
  feature: string
  name: string
  version: string
  /** The lock's npm integrity, which the bundled tarball matched. */
  integrity: string
  status: 'installed' | 'already-installed' | 'would-install'
  /** Where it was installed (status `installed`). */
  dir?: string
}

/**
 * `install --from <bundle>`, before the features: installs each plugin tarball the bundle carries
 * unless this machine already has that exact package (same name, version and npm integrity). Each
 * goes through `runner plugins install`'s own path from the tarball, so the plugin policy decides as
 * for any install, and the tarball must hash to the lock's integrity, which is then recorded (the
 * locked install that follows checks it again: PLUGIN_INTEGRITY_MISMATCH). `dryRun` installs
 * nothing and only says which would be installed. Returns one line per bundled plugin.
 */
export async function installBundledPlugins(rt: Runtime, plugins: readonly BundledPlugin[], o: { logger: Logger; configFile?: string; dryRun?: boolean }): Promise<BundlePluginReport[]> {
  if (!plugins.length) return []
  const [discovery, integrity] = await Promise.all([discover(rt), pluginIntegrities(rt)])
  const report: BundlePluginReport[] = []
  for (const p of plugins) {
    const line = { feature: p.feature, name: p.name, version: p.version, integrity: p.integrity }
    const present = discovery.plugins.some((ref) => ref.origin === 'user' && ref.name === p.name && ref.version === p.version) && integrity.get(p.name) === p.integrity
    if (present || o.dryRun) {
      report.push({ ...line, status: present ? 'already-installed' : 'would-install' })
      continue
    }
    const result = await installPlugin(rt, p.file, { logger: o.logger, integrity: p.integrity, configFile: o.configFile })
    o.logger.info(`installed plugin ${result.name}@${result.version} (feature "${result.id}") from the bundle into ${result.dir}`)
    report.push({ ...line, status: 'installed', dir: result.dir })
  }
  return report
}

/**
 * `install --from --dry-run` installs no plugin, so a feature whose plugin only the bundle carries
 * cannot be planned: its UNKNOWN_FEATURE says the bundle has that plugin and what to run instead.
 */
export function withBundledPluginHint(err: unknown, plugins: readonly BundlePluginReport[]): unknown {
  if (!isRunnerError(err) || err.code !== 'UNKNOWN_FEATURE') return err
  const p = plugins.find((x) => x.status === 'would-install' && err.message.includes(`"${x.feature}"`))
  if (!p) return err
  return Object.assign(err, { hint: `the bundle carries its plugin ${p.name}@${p.version}, which --dry-run does not install: run install --from without --dry-run (plugins first, then the features)` })
}
