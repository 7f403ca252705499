import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { mirrorHarness, missingCommands } from '../../../kit/src/testing/index.js'
import { mirror as buildGoMirror } from '../../../../plugins/go/fixtures/mirror.ts'
import { actionOnInstall } from './on-install.js'

// The real actions/setup-go v7.0.0 bundle (vendor/setup-go), run with no network against a tool
// cache the built `runner` filled from a local go.dev mirror holding a real Go (Debian's, see
// buildGoMirror, which needs apt-get download + dpkg-deb; the JSON list at `/dl/` is an override).
const e2e = mirrorHarness({ feature: 'go', mirror: () => buildGoMirror(), overrides: (m) => ({ '/dl/': m.listing }), skip: missingCommands('apt-get', 'dpkg-deb') })
const setup = actionOnInstall('setup-go', e2e, 'go@1.19', (toolCache, m) => join(toolCache, 'go', m.version, 'x64'))

describe.skipIf(e2e.skipped)('actions/setup-go v7.0.0 on our install, offline', () => {
  test.each(['1.19', '<exact>', '^1.19.0', '1.x'])('go-version %s with every other input at its default: a cache hit, no request', async (spec) => {
    const run = await setup.run({ 'go-version': spec === '<exact>' ? e2e.mirror.version : spec })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Found in cache @ ${setup.dir}`)
    expect(run.log).not.toContain('Attempting to download')
    expect(run.path[0]).toBe(join(setup.dir, 'bin'))
    expect(run.outputs['go-version']).toBe(e2e.mirror.version)
    expect(run.env.GOTOOLCHAIN).toBe('local')
    // The action ran our go: `go env` printed our GOROOT.
    expect(run.log).toContain(`GOROOT="${setup.dir}"`)
    expect(run.networkAttempts).toBe(0)
    // `cache: true` (the default) needs the Actions cache service; without it setup-go only warns.
    expect(run.log).toContain('::warning::The runner was not able to contact the cache service. Caching will be skipped')
  }, 60_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await setup.run({ 'go-version': '1.21' })
    expect(run.exitCode).not.toBe(0)
    expect(run.log).toContain('Attempting to download 1.21')
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 60_000)

  test.each(['stable', 'oldstable'])('go-version %s resolves through the network (the go-versions manifest, then go.dev) before looking at the tool cache: pin a version on offline runners', async (alias) => {
    const run = await setup.run({ 'go-version': alias })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.exitCode).not.toBe(0)
  }, 60_000)

  test('check-latest: true asks the network even on a hit (keep it false, the default, on offline runners)', async () => {
    const run = await setup.run({ 'go-version': '1.19', 'check-latest': 'true' })
    expect(run.networkAttempts).toBeGreaterThan(0)
    // The manifest lookup fails, setup-go falls back to the spec and still finds our install.
    expect(run.log).toContain(`Found in cache @ ${setup.dir}`)
  }, 60_000)
})
