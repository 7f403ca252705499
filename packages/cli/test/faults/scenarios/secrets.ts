import type { Scenario } from '../scenario.js'
import { TF, TF_INDEX, TF_ZIP } from './common.js'

/**
 * Every scenario's mirror URL carries credentials whose password holds `@:/#%`, and every scenario
 * is scanned for them. These two put them where leaks are likeliest: debug logging, a failure that
 * prints the URL, and a second feature's index fetch.
 */
export const secretScenarios: Scenario[] = [
  {
    name: 'secrets: credentials in the mirror URL, debug logging on, install and list → no password in output or on disk',
    env: () => ({ RUNNER_FEATURES_DEBUG: '1' }),
    run: async (t) => {
      await t.expectSuccess('install with credentials', await t.install([`terraform@${TF}`, `nodejs@${t.world.nodeVersion}`]))
      await t.expectSuccess('list', await t.box.run(['features', 'list', '--json']))
      if (!t.server.requests.some((r) => r.path.endsWith(TF_ZIP))) t.problem('the archive was never requested')
    },
  },
  {
    name: 'secrets: credentials in the mirror URL, failing index (URL printed in the error, --json too) → redacted',
    env: () => ({ RUNNER_FEATURES_DEBUG: '1' }),
    run: async (t) => {
      t.server.inject(TF_INDEX, { kind: 'status', status: 503 })
      await t.expectError('failing install', await t.install([`terraform@${TF}`]), ['DOWNLOAD_FAILED'])
      const json = await t.install([`terraform@${TF}`, '--json'])
      if (json.exitCode !== 1 || !json.stdout.includes('DOWNLOAD_FAILED')) t.problem(`--json failure did not report DOWNLOAD_FAILED: ${json.stdout.slice(0, 300)}`)
      t.server.heal()
      await t.expectSuccess('re-run', await t.install([`terraform@${TF}`]))
    },
  },
]
