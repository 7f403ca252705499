import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness } from '../../../kit/src/testing/index.js'
import { mirrorSigningKey } from '@runner-features/fixture-mirror'
import { mirror as helmMirror } from '../../../../plugins/helm/fixtures/mirror.ts'
import { HELM_VERSION, helmUnavailable } from '../../../../images/test/helpers/helm.ts'
import { loadAction, runAction, type VendoredAction } from './run-action.js'

// The real Azure/setup-helm v5.0.1 bundle (vendor/setup-helm), run with no network against a tool
// cache the built `runner` filled from a local get.helm.sh mirror holding the real helm v4.1.4
// (plugins/helm/fixtures/mirror.ts, signed with the fixture mirrors' TEST key; needs npm and unzip the first time).
const V = HELM_VERSION.slice(1)
const e2e = mirrorHarness({ feature: 'helm', mirror: () => helmMirror(), env: async () => ({ RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile }), skip: helmUnavailable() })
let action: VendoredAction
let dir: string

beforeAll(async () => {
  await e2e.start()
  if (e2e.skipped) return
  ;[action] = await Promise.all([loadAction('setup-helm'), e2e.install(`helm@${V}`)])
  dir = join(e2e.box.toolCache, 'helm', V, 'x64')
}, 300_000)
afterAll(e2e.close)

describe.skipIf(e2e.skipped)('Azure/setup-helm v5.0.1 on our install, offline', () => {
  test.each([`v${V}`, V])('version %s: restored from the cache, our helm on PATH and as helm-path, no request', async (version) => {
    const run = await runAction(action, { with: { version }, toolCache: e2e.box.toolCache })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Restoring 'v${V}' from cache`)
    expect(run.path).toEqual([dir])
    expect(run.outputs['helm-path']).toBe(join(dir, 'helm'))
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('version latest asks get.helm.sh/helm-latest-version first, hit or not: pin a full version on offline runners', async () => {
    const run = await runAction(action, { with: { version: 'latest' }, toolCache: e2e.box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await runAction(action, { with: { version: 'v3.18.4' }, toolCache: e2e.box.toolCache })
    expect(run.exitCode).not.toBe(0)
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)
})
