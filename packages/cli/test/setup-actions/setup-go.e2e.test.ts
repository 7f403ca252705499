import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { mirror as buildGoMirror, type GoMirror } from '../../../../plugins/go/fixtures/mirror.ts'
import { sandbox, type Sandbox } from '../helpers.js'
import { loadAction, runAction, type VendoredAction } from './run-action.js'

// The real actions/setup-go v7.0.0 bundle (vendor/setup-go), run with no network against a tool
// cache the built `runner` filled from a local go.dev mirror holding a real Go (Debian's, see
// buildGoMirror, which needs apt-get download + dpkg-deb).
const hasApt = await execa('sh', ['-c', 'command -v apt-get && command -v dpkg-deb'], { reject: false }).then((r) => r.exitCode === 0)
if (!hasApt) console.warn('setup-go.e2e: skipped: needs apt-get and dpkg-deb to build the Go fixture from Debian packages')

let server: MirrorServer
let mirror: GoMirror
let box: Sandbox
let action: VendoredAction
let dir: string

beforeAll(async () => {
  if (!hasApt) return
  action = await loadAction('setup-go')
  mirror = await buildGoMirror()
  server = await startMirrorServer(mirror.root)
  server.override('/dl/', mirror.listing)
  box = await sandbox({ RUNNER_FEATURES_MIRROR_GO: `${server.url}${mirror.base}` })
  const res = await box.runner(['features', 'install', 'go@1.19'])
  if (res.exitCode !== 0) throw new Error(res.all)
  dir = join(box.toolCache, 'go', mirror.version, 'x64')
}, 300_000)
afterAll(async () => {
  await server?.close()
  await box?.cleanup()
})

describe.skipIf(!hasApt)('actions/setup-go v7.0.0 on our install, offline', () => {
  test.each(['1.19', '<exact>', '^1.19.0', '1.x'])('go-version %s with every other input at its default: a cache hit, no request', async (spec) => {
    const run = await runAction(action, { with: { 'go-version': spec === '<exact>' ? mirror.version : spec }, toolCache: box.toolCache })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Found in cache @ ${dir}`)
    expect(run.log).not.toContain('Attempting to download')
    expect(run.path[0]).toBe(join(dir, 'bin'))
    expect(run.outputs['go-version']).toBe(mirror.version)
    expect(run.env.GOTOOLCHAIN).toBe('local')
    // The action ran our go: `go env` printed our GOROOT.
    expect(run.log).toContain(`GOROOT="${dir}"`)
    expect(run.networkAttempts).toBe(0)
    // `cache: true` (the default) needs the Actions cache service; without it setup-go only warns.
    expect(run.log).toContain('::warning::The runner was not able to contact the cache service. Caching will be skipped')
  }, 60_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await runAction(action, { with: { 'go-version': '1.21' }, toolCache: box.toolCache })
    expect(run.exitCode).not.toBe(0)
    expect(run.log).toContain('Attempting to download 1.21')
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 60_000)

  test.each(['stable', 'oldstable'])('go-version %s resolves through the network (the go-versions manifest, then go.dev) before looking at the tool cache: pin a version on offline runners', async (alias) => {
    const run = await runAction(action, { with: { 'go-version': alias }, toolCache: box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.exitCode).not.toBe(0)
  }, 60_000)

  test('check-latest: true asks the network even on a hit (keep it false, the default, on offline runners)', async () => {
    const run = await runAction(action, { with: { 'go-version': '1.19', 'check-latest': 'true' }, toolCache: box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
    // The manifest lookup fails, setup-go falls back to the spec and still finds our install.
    expect(run.log).toContain(`Found in cache @ ${dir}`)
  }, 60_000)
})
