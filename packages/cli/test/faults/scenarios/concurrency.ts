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
