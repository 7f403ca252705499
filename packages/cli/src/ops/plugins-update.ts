import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RunnerError, compareVersions, pluginInstallDir, type Logger } from '@runner-features/core'
import { resolveNpmPackage } from '@runner-features/installer'
import { discover, type Runtime } from '../runtime.js'
import { installPlugin } from './plugins.js'

export interface PluginsUpdateResult {
  schemaVersion: 1
  /**
   * One entry per chosen plugin. `to` is the version installed after the run (null: not asked);
   * `latest` is the registry's `latest` dist-tag, for plugins the registry was asked about.
   * `newer-than-latest`: installed ahead of `latest` (a prerelease, or `latest` moved back) and left
   * as it is — an update never downgrades.
   */
  plugins: { name: string; id: string; from: string; to: string | null; latest?: string; status: 'updated' | 'up-to-date' | 'newer-than-latest' | 'not-from-registry' }[]
}

/**
 * `runner plugins update [name|id…]`: user plugins that came from the npm registry (the plugins
 * index records their integrity) are reinstalled at the registry's `latest`, with the same checks
 * as `plugins install` (integrity, plugin policy, manifest). Plugins installed from a directory or
 * tarball have no registry to ask: they are reported, not changed. Bundled plugins update with the CLI.
 *
 * `latest` is resolved first and only a newer version is installed, pinned to that exact version
 * (not `@latest` again, which could move in between). A plugin already at `latest` — or ahead of it,
 * say a prerelease or a `latest` moved back — is left as it is (never downgraded): nothing is
 * downloaded, and the plugin policy is not asked, so a policy pinning today's version does not fail
 * an update that has nothing to do.
 */
export async function updatePlugins(rt: Runtime, names: readonly string[], opts: { logger: Logger; registry: string }): Promise<PluginsUpdateResult> {
  const root = pluginInstallDir(rt.env, rt.uid)
  const index = JSON.parse(await readFile(join(root, 'package.json'), 'utf8').catch(() => '{}')) as { runnerFeatures?: { integrity?: Record<string, string> } }
  const fromRegistry = new Set(Object.keys(index.runnerFeatures?.integrity ?? {}))
  const discovery = await discover(rt)
  const user = discovery.plugins.filter((p) => p.origin === 'user')
  for (const n of names) {
    if (!user.some((p) => p.name === n || p.manifest.id === n)) {
      const bundled = discovery.plugins.some((p) => p.name === n || p.manifest.id === n)
      throw new RunnerError('NOT_INSTALLED', `${n} is not a plugin installed in ${root}`, {
        where: n,
        hint: bundled ? `${n} is bundled with the CLI: it updates with the CLI (npm install -g @runner-features/cli)` : '`runner plugins` lists the installed plugins',
      })
    }
  }
  const chosen = names.length ? user.filter((p) => names.includes(p.name) || names.includes(p.manifest.id)) : user
  const plugins: PluginsUpdateResult['plugins'] = []
  for (const p of chosen) {
    if (!fromRegistry.has(p.name)) {
      plugins.push({ name: p.name, id: p.manifest.id, from: p.version, to: null, status: 'not-from-registry' })
      continue
    }
    try {
      const latest = await resolveNpmPackage(`${p.name}@latest`, opts.registry, opts.logger)
      const order = compareVersions(latest.version, p.version)
      if (order <= 0) {
        plugins.push({ name: p.name, id: p.manifest.id, from: p.version, to: p.version, latest: latest.version, status: order === 0 ? 'up-to-date' : 'newer-than-latest' })
        continue
      }
      const r = await installPlugin(rt, `${p.name}@${latest.version}`, opts)
      plugins.push({ name: p.name, id: p.manifest.id, from: p.version, to: r.version, latest: latest.version, status: 'updated' })
    } catch (err) {
      throw keptInstalled(err, p.name, p.version, plugins)
    }
  }
  return { schemaVersion: 1, plugins }
}

/**
 * The failed plugin's error (its code, where and hint kept), saying what the user most wants to know
 * after a failed update: the old version is still installed, and which plugins this run did update
 * before it stopped (also in `details.updated` for --json).
 */
function keptInstalled(err: unknown, name: string, version: string, done: PluginsUpdateResult['plugins']): unknown {
  if (!(err instanceof RunnerError)) return err
  const updated = done.filter((d) => d.status === 'updated')
  const before = updated.length ? `; updated before it: ${updated.map((d) => `${d.name} ${d.from} → ${d.to}`).join(', ')}` : ''
  return new RunnerError(err.code, `${err.message} (${name}@${version} stays installed, unchanged${before})`, {
    where: err.where, hint: err.hint, cause: err, details: { ...err.details, kept: `${name}@${version}`, updated },
  })
}
