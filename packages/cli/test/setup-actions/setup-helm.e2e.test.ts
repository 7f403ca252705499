import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { mirror as helmMirror } from '../../../../plugins/helm/fixtures/mirror.ts'
import { HELM_VERSION, helmUnavailable } from '../../../../images/test/helpers/helm.ts'
import { sandbox, type Sandbox } from '../helpers.js'
import { loadAction, runAction, type VendoredAction } from './run-action.js'

// The real Azure/setup-helm v5.0.1 bundle (vendor/setup-helm), run with no network against a tool
// cache the built `runner` filled from a local get.helm.sh mirror holding the real helm v4.1.4
// (plugins/helm/fixtures/mirror.ts; needs npm and unzip the first time).
const unavailable = helmUnavailable()
if (unavailable) console.warn(`setup-helm.e2e: skipped: ${unavailable}`)
const V = HELM_VERSION.slice(1)

let server: MirrorServer
let box: Sandbox
let action: VendoredAction
let dir: string

beforeAll(async () => {
  if (unavailable) return
  action = await loadAction('setup-helm')
  server = await startMirrorServer((await helmMirror()).root)
  box = await sandbox({ RUNNER_FEATURES_MIRROR_HELM: server.url })
  const res = await box.runner(['features', 'install', `helm@${V}`])
  if (res.exitCode !== 0) throw new Error(res.all)
  dir = join(box.toolCache, 'helm', V, 'x64')
}, 300_000)
afterAll(async () => {
  await server?.close()
  await box?.cleanup()
})

describe.skipIf(unavailable)('Azure/setup-helm v5.0.1 on our install, offline', () => {
  test.each([`v${V}`, V])('version %s: restored from the cache, our helm on PATH and as helm-path, no request', async (version) => {
    const run = await runAction(action, { with: { version }, toolCache: box.toolCache })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Restoring 'v${V}' from cache`)
    expect(run.path).toEqual([dir])
    expect(run.outputs['helm-path']).toBe(join(dir, 'helm'))
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('version latest asks get.helm.sh/helm-latest-version first, hit or not: pin a full version on offline runners', async () => {
    const run = await runAction(action, { with: { version: 'latest' }, toolCache: box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await runAction(action, { with: { version: 'v3.18.4' }, toolCache: box.toolCache })
    expect(run.exitCode).not.toBe(0)
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 180_000)
})
