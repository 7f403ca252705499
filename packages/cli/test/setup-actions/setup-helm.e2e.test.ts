import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { mirrorHarness } from '../../../kit/src/testing/index.js'
import { mirrorSigningKey } from '@runner-features/fixture-mirror'
import { mirror as helmMirror } from '../../../../plugins/helm/fixtures/mirror.ts'
import { HELM_VERSION, helmUnavailable } from '../../../../images/test/helpers/helm.ts'
import { actionOnInstall } from './on-install.js'

// The real Azure/setup-helm v5.0.1 bundle (vendor/setup-helm), run with no network against a tool
// cache the built `runner` filled from a local get.helm.sh mirror holding the real helm v4.1.4
// (plugins/helm/fixtures/mirror.ts, signed with the fixture mirrors' TEST key; needs npm and unzip the first time).
const V = HELM_VERSION.slice(1)
const e2e = mirrorHarness({ feature: 'helm', mirror: () => helmMirror(), env: async () => ({ RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile }), skip: helmUnavailable() })
const setup = actionOnInstall('setup-helm', e2e, `helm@${V}`, (toolCache) => join(toolCache, 'helm', V, 'x64'))

describe.skipIf(e2e.skipped)('Azure/setup-helm v5.0.1 on our install, offline', () => {
  test.each([`v${V}`, V])('version %s: restored from the cache, our helm on PATH and as helm-path, no request', async (version) => {
    const run = await setup.run({ version })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Restoring 'v${V}' from cache`)
    expect(run.path).toEqual([setup.dir])
    expect(run.outputs['helm-path']).toBe(join(setup.dir, 'helm'))
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('version latest asks get.helm.sh/helm-latest-version first, hit or not: pin a full version on offline runners', async () => {
    const run = await setup.run({ version: 'latest' })
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await setup.run({ version: 'v3.18.4' })
    expect(run.exitCode).not.toBe(0)
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)
})
