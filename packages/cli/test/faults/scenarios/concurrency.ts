import { join } from 'node:path'
import { outcomeOf } from '../inspect.js'
import type { Scenario } from '../scenario.js'
import { TF, TF_ZIP } from './common.js'

/**
 * N pods start at once against one download cache and one tool-cache volume: every install
 * succeeds, the archive is downloaded once, and nothing is left. The archive is served slowly so
 * the runs really overlap.
 */
function concurrent(n: number): Scenario {
  return {
    name: `neighbours: ${n} concurrent installs sharing the download cache and tool cache → all succeed, one download`,
    run: async (t) => {
      t.server.inject(TF_ZIP, { kind: 'slow', bytesPerSecond: 400 })
      const runs = await Promise.all(Array.from({ length: n }, () => t.install([`terraform@${TF}`])))
      for (const [i, run] of runs.entries()) await t.expectSuccess(`install ${i + 1} of ${n}`, run)
      const downloads = t.server.count(TF_ZIP)
      if (downloads !== 1) t.problem(`${n} concurrent installs downloaded the archive ${downloads} times (want 1)`)
      t.server.heal()
      await t.expectSuccess('re-run', await t.install([`terraform@${TF}`]))
    },
  }
}

export const concurrencyScenarios: Scenario[] = [concurrent(2), concurrent(4), concurrent(8)]

/**
 * Pods with their own tool cache (an emptyDir each) but one download-cache volume: the cache
 * commit races (same sha256 file, temp files side by side) must not fail or corrupt anything.
 */
concurrencyScenarios.push({
  name: 'neighbours: 4 pods with their own tool cache sharing one download cache → all succeed, cache intact',
  run: async (t) => {
    t.server.inject(TF_ZIP, { kind: 'slow', bytesPerSecond: 400 })
    const pods = [1, 2, 3, 4].map((i) => ({ toolCache: join(t.box.dir, `pod${i}`, 'toolcache'), binDir: join(t.box.dir, `pod${i}`, 'bin'), stateDir: join(t.box.dir, `pod${i}`, 'toolcache', '.runner-features') }))
    const envOf = (p: (typeof pods)[number]) => ({ RUNNER_TOOL_CACHE: p.toolCache, RUNNER_FEATURES_BIN_DIR: p.binDir })
    const runs = await Promise.all(pods.map((p) => t.install([`terraform@${TF}`], { env: envOf(p) })))
    for (const [i, run] of runs.entries()) {
      const o = outcomeOf(run)
      if (o.kind !== 'success' || o.problems.length) t.problem(`pod ${i + 1}: expected success, got ${o.code ?? o.kind} ${o.problems.join('; ')}: ${run.stderr.trim().slice(-300)}`)
      await t.checkLeftovers(`pod ${i + 1}`, pods[i])
    }
    t.server.heal()
    const again = await t.install([`terraform@${TF}`], { env: envOf(pods[0]!) })
    if (outcomeOf(again).kind !== 'success') t.problem(`re-run in pod 1 failed: ${again.stderr.trim().slice(-300)}`)
    await t.checkLeftovers('re-run', pods[0])
  },
})
