import { execFileSync } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness, withEnv } from '@runner-features/kit/testing'
import { mirror } from '../fixtures/mirror.ts'
import { KUBECTL_VERSION as V, realKubectlUnavailable } from './real-kubectl.js'

// The built `runner` installs a real kubectl (v1.33.9 linux-amd64, see real-kubectl.ts) from a
// 127.0.0.1 mirror in dl.k8s.io's layout (fixtures/mirror.ts), then azure/setup-kubectl's lookup —
// @actions/tool-cache find('kubectl', 'v1.33.9') — is replayed against the tool cache it wrote.
const e2e = mirrorHarness({ feature: 'kubectl', mirror: () => mirror(), skip: realKubectlUnavailable() })
beforeAll(e2e.start, 300_000)
afterEach(e2e.reset)
afterAll(e2e.close)
const BINARY = `/release/v${V}/bin/linux/amd64/kubectl`

describe.skipIf(e2e.skipped)('runner features install kubectl', () => {
  test('latest → stable.txt: the real binary lands in kubectl/<V>/x64 with its marker, runs, and is listed', async () => {
    const { box, server } = e2e
    const res = await box.run(['features', 'install', 'kubectl'])
    expect(res.exitCode, res.all).toBe(0)
    // The minor markers are read together; 1.32 … 1.28 are not on this mirror (404, skipped).
    expect(server.requests.filter((r) => !/stable-1\.(2[89]|3[012])\.txt 404$/.test(r)).sort()).toEqual([
      'GET /release/stable-1.33.txt 200',
      'GET /release/stable.txt 200',
      `GET ${BINARY} 200`,
      `GET ${BINARY}.sha256 200`,
    ])
    expect(execFileSync(join(box.binDir, 'kubectl'), ['version', '--client'], { encoding: 'utf8' })).toContain(`Client Version: v${V}`)
    expect((await readdir(join(box.toolCache, 'kubectl', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect(await readdir(join(box.toolCache, 'kubectl', V, 'x64'))).toEqual(['kubectl'])

    const list = JSON.parse((await box.run(['features', 'list', '--json'])).stdout)
    expect(list.plugins).toContainEqual(expect.objectContaining({ id: 'kubectl', name: '@runner-features/kubectl', origin: 'bundled' }))
    expect(list.installed.find((r: { id: string }) => r.id === 'kubectl')).toMatchObject({ version: V, arch: 'x64', sourceUrl: `https://dl.k8s.io${BINARY}` })
  }, 120_000)

  test("azure/setup-kubectl's lookup (tool-cache find('kubectl', 'v<V>')) hits the install", async () => {
    const { toolCache } = e2e.box
    const tc = await import('@actions/tool-cache')
    expect(await withEnv({ RUNNER_TOOL_CACHE: toolCache }, () => tc.find('kubectl', `v${V}`, 'x64'))).toBe(join(toolCache, 'kubectl', V, 'x64'))
  })

  test('a re-install is a no-op without requests; a tampered binary is CHECKSUM_MISMATCH with nothing left', async () => {
    const again = await e2e.box.run(['features', 'install', `kubectl@${V}`])
    expect(again.exitCode, again.all).toBe(0)
    expect(again.stdout).toContain('already installed')
    expect(e2e.server.requests).toEqual([])

    const other = await e2e.sandbox()
    e2e.server.override(BINARY, Buffer.concat([await readFile(join(e2e.mirror.root, BINARY)), Buffer.from('tampered')]))
    const res = await other.run(['features', 'install', `kubectl@${V}`, '--json'])
    expect(res.exitCode).toBe(1)
    expect(JSON.parse(res.stdout).results).toEqual([expect.objectContaining({ id: 'kubectl', status: 'failed', error: expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }) })])
    expect(await readdir(join(other.toolCache, 'kubectl', V)).catch(() => [])).toEqual([])
  }, 120_000)
})
