// The one e2e setup both aws-cli test files use (docs/plugins.md "End-to-end tests": one harness per
// test file), kept here so they cannot drift apart.
import { afterAll, afterEach, beforeAll } from 'vitest'
import { mirrorHarness, type MirrorHarness } from '@runner-features/kit/testing'
import { mirrorSigningKey } from '@runner-features/fixture-mirror'
import { mirror as buildAwsMirror, type AwsCliMirror } from '../fixtures/mirror.ts'

/**
 * The kit harness over aws-cli's fixture mirror, wired to this file's vitest hooks (call it once, at
 * the top level of a test file). The mirror's zip is signed with the fixture mirrors' TEST key, so
 * every sandbox trusts that key through RUNNER_FEATURES_TRUSTED_KEYS, as a team trusts AWS's.
 */
export function awsCliHarness(): MirrorHarness<AwsCliMirror> {
  const e2e = mirrorHarness({
    feature: 'aws-cli',
    mirror: () => buildAwsMirror(),
    env: async () => ({ RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile }),
  })
  beforeAll(e2e.start)
  afterEach(e2e.reset)
  afterAll(e2e.close)
  return e2e
}
