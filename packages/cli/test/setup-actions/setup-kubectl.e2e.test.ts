import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { mirrorHarness } from '../../../kit/src/testing/index.js'
import { mirror as kubectlMirror } from '../../../../plugins/kubectl/fixtures/mirror.ts'
import { KUBECTL_VERSION as V, realKubectlUnavailable } from '../../../../plugins/kubectl/test/real-kubectl.ts'
import { actionOnInstall } from './on-install.js'

// The real Azure/setup-kubectl v5.1.0 bundle (vendor/setup-kubectl), run with no network against a
// tool cache the built `runner` filled from a local dl.k8s.io mirror holding the real kubectl
// v1.33.9 (plugins/kubectl/fixtures/mirror.ts; needs npm and unzip the first time).
const e2e = mirrorHarness({ feature: 'kubectl', mirror: () => kubectlMirror(), skip: realKubectlUnavailable() })
const setup = actionOnInstall('setup-kubectl', e2e, `kubectl@${V}`, (toolCache) => join(toolCache, 'kubectl', V, 'x64'))

describe.skipIf(e2e.skipped)('Azure/setup-kubectl v5.1.0 on our install, offline', () => {
  test.each([`v${V}`, V])('version %s: a cache hit, our kubectl on PATH and as kubectl-path, no request', async (version) => {
    const run = await setup.run({ version })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Found tool in cache kubectl ${V} x64`)
    expect(run.path).toEqual([setup.dir])
    expect(run.outputs['kubectl-path']).toBe(join(setup.dir, 'kubectl'))
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test.each(['latest', V.split('.').slice(0, 2).join('.')])('version %s is resolved over the network (stable.txt / stable-<minor>.txt) before the cache is looked at: pin full versions on offline runners', async (version) => {
    const run = await setup.run({ version })
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await setup.run({ version: 'v1.30.0' })
    expect(run.exitCode).not.toBe(0)
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)
})
