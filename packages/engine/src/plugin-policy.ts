import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RunnerError, type PluginRef } from '@runner-features/core'
import { FIRST_PARTY_SCOPE, approvalsFileFor, assertPluginAllowed, findConfig, loadPluginPolicy, policyPathFor, type Lockfile } from '@runner-features/core/config'
import type { RunEnv } from './run-env.js'

/** The npm integrity each registry-installed plugin was installed with (`runner plugins install` records it). */
export async function pluginIntegrities(rt: RunEnv): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const dir of [...rt.pluginDirs].reverse()) {
    const index = await readFile(join(dir, 'package.json'), 'utf8').then((t) => JSON.parse(t) as { runnerFeatures?: { integrity?: Record<string, string> } }, () => undefined)
    for (const [name, integrity] of Object.entries(index?.runnerFeatures?.integrity ?? {})) out.set(name, integrity)
  }
  return out
}

/**
 * Refuses (PLUGIN_NOT_ALLOWED) before any of their code is imported the plugins a run would use
 * that are not `@runner-features/*` and not allowed by an approved plugin policy. Plugins bundled
 * in the CLI's own package (`oclif.plugins`) are part of the CLI and exempt: whoever can change
 * that list can change the CLI itself, which no policy file can guard against. The policy is
 * `RUNNER_FEATURES_POLICY`, else `runner-features.policy.yaml` next to the team config
 * (`configFile`, or the one found from `cwd` for argument installs).
 */
export async function assertPluginsAllowed(rt: RunEnv, refs: readonly PluginRef[], where: { configFile?: string; cwd?: string }): Promise<void> {
  const thirdParty = refs.filter((r) => r.origin !== 'bundled' && !r.name.startsWith(FIRST_PARTY_SCOPE))
  if (!thirdParty.length) return
  const configFile = where.configFile ?? (where.cwd ? await findConfig(where.cwd) : undefined)
  const [policy, integrity] = await Promise.all([loadPluginPolicy(policyPathFor(rt.env, configFile), approvalsFileFor(rt.stateFile)), pluginIntegrities(rt)])
  for (const ref of thirdParty) assertPluginAllowed({ name: ref.name, version: ref.version, integrity: integrity.get(ref.name) }, policy, `${ref.manifest.id} (${ref.name}@${ref.version})`)
}

/**
 * A locked install refuses a plugin whose npm integrity is not the one the lock recorded
 * (re-published with other bytes, or swapped on disk): PLUGIN_INTEGRITY_MISMATCH.
 */
export function assertLockedIntegrity(lock: Lockfile, lockFile: string, refs: ReadonlyMap<string, PluginRef>, integrity: ReadonlyMap<string, string>): void {
  for (const [id, locked] of Object.entries(lock.features)) {
    const ref = refs.get(id)
    if (!ref || !locked.plugin.integrity || ref.name !== locked.plugin.name) continue
    const now = integrity.get(ref.name)
    if (now !== locked.plugin.integrity) {
      throw new RunnerError('PLUGIN_INTEGRITY_MISMATCH', `${ref.name}@${ref.version} has integrity ${now ?? 'none (not installed from a registry)'}, the lock recorded ${locked.plugin.integrity}`, {
        where: `${lockFile} (${id} plugin)`,
        hint: `reinstall the locked package (runner plugins install ${ref.name}@${locked.plugin.version}); if the change is intended, review it and run \`runner features lock\``,
      })
    }
  }
}
