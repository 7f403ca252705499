import { basename, join } from 'node:path'
import { RunnerError, binsFor } from '@runner-features/core'
import { assertLinkable } from '@runner-features/installer'
import type { InstallPlan } from './plan.js'
import type { RunEnv } from './run-env.js'

/** What one plan line would link into the bin dir: its tool (tool-cache dir) and declared bins. */
export interface LinkClaim {
  toolName: string
  bins: readonly string[]
}

/**
 * Refuses, at plan time and so before any download, a plan whose bin links would collide
 * (`BIN_CONFLICT`, the message the link step gives): a bin whose link in the bin dir is a file
 * runner-features did not create or is held by another tool, or two tools of this plan exposing
 * the same executable name. Without this the conflict surfaced only when linking, after the
 * download, extraction and smoke test, and the install was rolled back. Versions of one tool share
 * their links (they switch); distro-package installs link nothing; `--no-link` skips the check.
 */
export async function assertPlanLinkable(rt: Pick<RunEnv, 'binDir' | 'toolCacheRoot'>, plan: Pick<InstallPlan, 'features' | 'platform'>, link: boolean): Promise<void> {
  if (!link) return
  // The bins of the OS this plan installs for (a feature may declare them per OS).
  const claims = plan.features.filter((f) => !f.system).map((f): LinkClaim => ({ toolName: f.feature.toolName, bins: binsFor(f.feature, plan.platform.os) }))
  await assertClaimsLinkable(claims, rt.binDir, rt.toolCacheRoot)
}

/** {@link assertPlanLinkable} on plain claims: each against the bin dir, then against each other. */
export async function assertClaimsLinkable(claims: readonly LinkClaim[], binDir: string, toolCacheRoot: string): Promise<void> {
  for (const c of claims) await assertLinkable(c.bins, binDir, toolCacheRoot, c.toolName)
  const owner = new Map<string, string>()
  for (const c of claims) {
    for (const rel of c.bins) {
      const name = basename(rel)
      const first = owner.get(name)
      if (first === undefined) owner.set(name, c.toolName)
      else if (first !== c.toolName) {
        const link = join(binDir, name)
        throw new RunnerError('BIN_CONFLICT', `${link} would be linked to both ${first}'s ${name} and ${c.toolName}'s ${name}; two features of this install expose a ${name}`, {
          where: link,
          hint: `install ${first} and ${c.toolName} in separate runs, one of them with --no-link or another --bin-dir`,
        })
      }
    }
  }
}
