import { execFileSync } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { findRunnerCli, runnerSandbox, startFixtureMirror, type FixtureMirror, type RunnerSandbox } from '@runner-features/kit/testing'
import { KUBECTL_SHA256, KUBECTL_VERSION, realKubectl, realKubectlUnavailable } from './real-kubectl.js'

// The built `runner` installs a real kubectl (v1.33.9 linux-amd64, see real-kubectl.ts) from a
// 127.0.0.1 mirror in dl.k8s.io's layout, then azure/setup-kubectl's lookup — @actions/tool-cache
// find('kubectl', 'v1.33.9') — is replayed against the tool cache it wrote.
const unavailable = realKubectlUnavailable()
if (unavailable) console.warn(`kubectl.e2e: skipped: ${unavailable}`)
const V = KUBECTL_VERSION
let work: string
let mirror: FixtureMirror
let box: RunnerSandbox

beforeAll(async () => {
  if (unavailable) return
  work = await mkdtemp(join(tmpdir(), 'rf-kubectl-'))
  const release = join(work, 'mirror', 'release')
  await mkdir(join(release, `v${V}`, 'bin', 'linux', 'amd64'), { recursive: true })
  await writeFile(join(release, 'stable.txt'), `v${V}\n`)
  await writeFile(join(release, `stable-1.33.txt`), `v${V}\n`)
  await copyFile(realKubectl(), join(release, `v${V}`, 'bin', 'linux', 'amd64', 'kubectl'))
  await writeFile(join(release, `v${V}`, 'bin', 'linux', 'amd64', 'kubectl.sha256'), KUBECTL_SHA256)
  mirror = await startFixtureMirror(join(work, 'mirror'))
  box = await runnerSandbox(findRunnerCli(import.meta.url), { RUNNER_FEATURES_MIRROR_KUBECTL: mirror.url })
}, 300_000)
afterAll(async () => {
  await mirror?.close()
  await box?.cleanup()
  if (work) await rm(work, { recursive: true, force: true })
})

describe.skipIf(unavailable)('runner features install kubectl', () => {
  test('latest → stable.txt: the real binary lands in kubectl/<V>/x64 with its marker, runs, and is listed', async () => {
    mirror.requests.splice(0)
    const res = await box.run(['features', 'install', 'kubectl'])
    expect(res.exitCode, res.stdout + res.stderr).toBe(0)
    // The minor markers are read together; 1.32 … 1.28 are not on this mirror (404, skipped).
    expect(mirror.requests.filter((r) => !/stable-1\.(2[89]|3[012])\.txt 404$/.test(r)).sort()).toEqual([
      'GET /release/stable-1.33.txt 200',
      'GET /release/stable.txt 200',
      `GET /release/v${V}/bin/linux/amd64/kubectl 200`,
      `GET /release/v${V}/bin/linux/amd64/kubectl.sha256 200`,
    ])
    expect(execFileSync(join(box.binDir, 'kubectl'), ['version', '--client'], { encoding: 'utf8' })).toContain(`Client Version: v${V}`)
    expect((await readdir(join(box.toolCache, 'kubectl', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect(await readdir(join(box.toolCache, 'kubectl', V, 'x64'))).toEqual(['kubectl'])

    const list = JSON.parse((await box.run(['features', 'list', '--json'])).stdout)
    expect(list.plugins).toContainEqual(expect.objectContaining({ id: 'kubectl', name: '@runner-features/kubectl', origin: 'bundled' }))
    expect(list.installed.find((r: { id: string }) => r.id === 'kubectl')).toMatchObject({ version: V, arch: 'x64', sourceUrl: `https://dl.k8s.io/release/v${V}/bin/linux/amd64/kubectl` })
  }, 120_000)

  test("azure/setup-kubectl's lookup (tool-cache find('kubectl', 'v<V>')) hits the install", async () => {
    const prev = process.env.RUNNER_TOOL_CACHE
    process.env.RUNNER_TOOL_CACHE = box.toolCache
    try {
      const tc = await import('@actions/tool-cache')
      expect(tc.find('kubectl', `v${V}`, 'x64')).toBe(join(box.toolCache, 'kubectl', V, 'x64'))
    } finally {
      if (prev === undefined) delete process.env.RUNNER_TOOL_CACHE
      else process.env.RUNNER_TOOL_CACHE = prev
    }
  })

  test('a re-install is a no-op without requests; a tampered binary is CHECKSUM_MISMATCH with nothing left', async () => {
    mirror.requests.splice(0)
    const again = await box.run(['features', 'install', `kubectl@${V}`])
    expect(again.exitCode, again.stdout + again.stderr).toBe(0)
    expect(again.stdout).toContain('already installed')
    expect(mirror.requests).toEqual([])

    const other = await runnerSandbox(findRunnerCli(import.meta.url), { RUNNER_FEATURES_MIRROR_KUBECTL: mirror.url })
    const bin = join(work, 'mirror', 'release', `v${V}`, 'bin', 'linux', 'amd64', 'kubectl')
    const good = await readFile(bin)
    try {
      await writeFile(bin, Buffer.concat([good, Buffer.from('tampered')]))
      const res = await other.run(['features', 'install', `kubectl@${V}`, '--json'])
      expect(res.exitCode).toBe(1)
      expect(JSON.parse(res.stdout).results).toEqual([expect.objectContaining({ id: 'kubectl', status: 'failed', error: expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }) })])
      expect(await readdir(join(other.toolCache, 'kubectl', V)).catch(() => [])).toEqual([])
    } finally {
      await writeFile(bin, good)
      await other.cleanup()
    }
  }, 120_000)
})
