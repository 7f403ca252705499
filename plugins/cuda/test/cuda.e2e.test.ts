import { lstat, mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { parse } from 'yaml'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from '../../../packages/cli/test/helpers.js'
import { mirror as buildCudaMirror, type BuiltCudaMirror } from '../fixtures/mirror.ts'

// The cuda feature end to end: the built `runner` against a local mirror in NVIDIA's redist layout
// (HTML index, redistrib_12.4.1.json with the real sha256 of archives built here, one .tar.xz per
// component with the real top-dir naming; bin/nvcc is a stand-in that prints nvcc's --version).
// Nothing depends on a real CUDA install on this machine.

const V = '12.4.1'
const DEFAULT = ['cuda_nvcc', 'cuda_cudart', 'cuda_nvrtc', 'cuda_cccl', 'libcublas']
let mirror: BuiltCudaMirror
let server: MirrorServer
let base: string
const boxes: Sandbox[] = []
/** Serves the directory index again (after `clearOverrides`). */
let reIndex: () => Promise<void>

beforeAll(async () => {
  mirror = await buildCudaMirror()
  server = await startMirrorServer(mirror.root)
  base = `${server.url}${mirror.redistPath}`
  // Web servers answer a directory URL with its index.html; the fixture server serves files only.
  const indexPath = `/${mirror.redistPath}`
  const serveIndex = async () => server.override(indexPath, await readFile(join(mirror.root, mirror.redistPath, 'index.html')))
  await serveIndex()
  reIndex = serveIndex
})
afterAll(async () => {
  await server?.close()
})
afterEach(async () => {
  server.resetRequests()
  server.clearOverrides()
  await reIndex()
  await Promise.all(boxes.splice(0).map((b) => b.cleanup()))
})

async function box(extra: Record<string, string> = {}): Promise<Sandbox> {
  const b = await sandbox({ RUNNER_FEATURES_MIRROR_CUDA: base, ...extra })
  boxes.push(b)
  return b
}
const exists = (p: string) => lstat(p).then(() => true, () => false)
const archivePath = (component: string) => `/${mirror.archives[`${component}/linux-x86_64`]!}`
const gets = () => server.requests.filter((r) => r.method === 'GET').map((r) => r.path)

describe('runner features install cuda', () => {
  test('installs every default component into cuda/<V>/x64, links nvcc, exports CUDA_PATH, records each artifact', async () => {
    const b = await box()
    const githubEnv = join(b.dir, 'github_env')
    const githubPath = join(b.dir, 'github_path')
    await writeFile(githubEnv, '')
    await writeFile(githubPath, '')
    const res = await b.runner(['features', 'install', 'cuda@12.4'], { env: { GITHUB_ENV: githubEnv, GITHUB_PATH: githubPath } })
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain(`cuda@12.4 → ${V}  installed at ${join(b.toolCache, 'cuda', V, 'x64')} (5 archives,`)

    const dir = join(b.toolCache, 'cuda', V, 'x64')
    expect((await readdir(join(b.toolCache, 'cuda', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await readdir(dir)).sort()).toEqual(['LICENSE', 'bin', 'include', 'lib', 'nvvm'])
    // One file from each component, all in the one install dir.
    for (const f of ['bin/nvcc', 'include/cuda_runtime_api.h', 'include/nvrtc.h', 'include/thrust/version.h', 'include/cublas.h', 'lib/libcublas.so.12.4.5.8']) expect(await exists(join(dir, f)), f).toBe(true)
    expect(await readlink(join(dir, 'lib', 'libcudart.so.12'))).toBe('libcudart.so.12.4.127')
    expect((await execa(join(b.binDir, 'nvcc'), ['--version'])).stdout).toContain('release 12.4, V12.4.131')
    expect(await readFile(githubEnv, 'utf8')).toBe(`CUDA_PATH=${dir}\nCUDA_HOME=${dir}\n`)
    expect(await readFile(githubPath, 'utf8')).toBe(`${join(dir, 'bin')}\n`)

    const list = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout)
    const record = list.installed.find((r: { id: string }) => r.id === 'cuda')
    expect(record.artifacts.map((a: { url: string }) => a.url.split('/').slice(-3, -2)[0])).toEqual(DEFAULT)
    expect(record.artifacts.every((a: { url: string; sha256: string }) => a.url.startsWith('https://developer.download.nvidia.com/compute/cuda/redist/') && /^[0-9a-f]{64}$/.test(a.sha256))).toBe(true)
    expect(record.sourceUrl).toBe(record.artifacts[0].url)

    // Re-installing is a no-op that makes zero requests.
    server.resetRequests()
    const again = await b.runner(['features', 'install', 'cuda@12.4', '--json'])
    expect(again.exitCode, again.all).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ requests: 0, results: [{ status: 'already-installed' }] })
    expect(server.requests).toEqual([])
  })

  test('--dry-run --json lists every archive with its mirror URL and sha256, downloading none', async () => {
    const b = await box()
    const res = await b.runner(['features', 'install', `cuda@${V}`, '--dry-run', '--json'])
    expect(res.exitCode, res.all).toBe(0)
    const [plan] = JSON.parse(res.stdout).results
    expect(plan.status).toBe('would-install')
    expect(plan.artifacts).toHaveLength(5)
    expect(plan.artifacts[1]).toEqual({
      url: `https://developer.download.nvidia.com/compute/cuda/redist/cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz`,
      fetchFrom: `${base}cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number),
    })
    expect(gets().filter((p) => p.endsWith('.tar.xz'))).toEqual([])
    const text = await b.runner(['features', 'install', `cuda@${V}`, '--dry-run'])
    expect(text.stdout.match(/^ {4}sha256 [0-9a-f]{64}$/gm)).toHaveLength(5)
  })

  test('one tampered component: CHECKSUM_MISMATCH naming it, nothing in the tool cache or bin dir', async () => {
    const b = await box()
    server.override(archivePath('cuda_nvrtc'), Buffer.from('not the archive the manifest describes'))
    const res = await b.runner(['features', 'install', `cuda@${V}`])
    expect(res.exitCode).toBe(1)
    expect(res.stdout).toContain('FAILED (CHECKSUM_MISMATCH)')
    expect(res.stderr).toMatch(/CHECKSUM_MISMATCH.*cuda_nvrtc-linux-x86_64-12\.4\.127-archive\.tar\.xz/)
    expect(await readdir(join(b.toolCache, 'cuda', V)).catch(() => [])).toEqual([])
    expect(await readdir(b.binDir).catch(() => [])).toEqual([])
    const list = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout)
    expect(list.installed).toEqual([])
  })
})

describe('cuda from .github/runner-config.yml with a lock', () => {
  async function repo(config: string): Promise<{ b: Sandbox; lock: string; run: (args: string[]) => ReturnType<Sandbox['runner']> }> {
    const b = await box()
    const dir = join(b.dir, 'repo')
    await mkdir(join(dir, '.github'), { recursive: true })
    await writeFile(join(dir, '.github', 'runner-config.yml'), config)
    return { b, lock: join(dir, '.github', 'runner-features.lock'), run: (args) => b.runner(args, { cwd: dir }) }
  }
  const CONFIG = `features:\n  - { id: cuda, version: "${V}", options: { components: [cuda_nvcc, cuda_cudart] } }\n`

  test('the lock records every component archive per platform; --frozen verifies each and installs only those', async () => {
    const r = await repo(CONFIG)
    const locked = await r.run(['features', 'lock'])
    expect(locked.exitCode, locked.all).toBe(0)
    const lock = parse(await readFile(r.lock, 'utf8')) as { features: { cuda: { options: unknown; platforms: Record<string, { url: string; sha256: string; size: number; archive: string; strip: number }[]> } } }
    expect(lock.features.cuda.options).toEqual({ components: ['cuda_nvcc', 'cuda_cudart'] })
    expect(Object.keys(lock.features.cuda.platforms).sort()).toEqual(['linux-arm64', 'linux-x64'])
    const manifest = JSON.parse(await readFile(join(mirror.root, mirror.redistPath, `redistrib_${V}.json`), 'utf8'))
    for (const [key, plat] of [['linux-x64', 'linux-x86_64'], ['linux-arm64', 'linux-sbsa']] as const) {
      expect(lock.features.cuda.platforms[key]).toEqual(['cuda_nvcc', 'cuda_cudart'].map((c) => ({
        url: `https://developer.download.nvidia.com/compute/cuda/redist/${manifest[c][plat].relative_path}`,
        sha256: manifest[c][plat].sha256, size: Number(manifest[c][plat].size), archive: 'tar.xz', strip: 1,
        checksumSource: `https://developer.download.nvidia.com/compute/cuda/redist/redistrib_${V}.json`,
      })))
    }
    // Locking reads the index and the manifest only (sizes come from it: no HEAD, no archive).
    expect(server.requests.map((q) => `${q.method} ${q.path}`).sort()).toEqual([`GET /${mirror.redistPath}`, `GET /${mirror.redistPath}redistrib_${V}.json`])

    const plan = await r.run(['features', 'install', '--frozen', '--dry-run', '--json'])
    expect(plan.exitCode, plan.all).toBe(0)
    expect(JSON.parse(plan.stdout).results[0].artifacts.map((a: { sha256: string }) => a.sha256)).toEqual(lock.features.cuda.platforms['linux-x64']!.map((a) => a.sha256))

    const res = await r.run(['features', 'install', '--frozen'])
    expect(res.exitCode, res.all).toBe(0)
    const dir = join(r.b.toolCache, 'cuda', V, 'x64')
    expect(await exists(join(dir, 'bin', 'nvcc'))).toBe(true)
    expect(await exists(join(dir, 'lib', 'libcudart.so'))).toBe(true)
    expect(await exists(join(dir, 'include', 'cublas.h'))).toBe(false)
  })

  test('--frozen with one archive differing from the lock: CHECKSUM_MISMATCH against the locked sha256, nothing installed', async () => {
    const r = await repo(CONFIG)
    expect((await r.run(['features', 'lock'])).exitCode).toBe(0)
    server.override(archivePath('cuda_cudart'), Buffer.from('tampered'))
    const res = await r.run(['features', 'install', '--frozen'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toMatch(/error CHECKSUM_MISMATCH: .*cuda_cudart.*the lock pins sha256 [0-9a-f]{64}/)
    expect(await readdir(join(r.b.toolCache, 'cuda', V)).catch(() => [])).toEqual([])
  })

  test('an unknown component fails with INVALID_OPTIONS before any archive is fetched', async () => {
    const r = await repo(`features:\n  - { id: cuda, version: "${V}", options: { components: [cuda_nvcc, cuda_nvcc_typo] } }\n`)
    const res = await r.run(['features', 'install'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain('error INVALID_OPTIONS: cuda@12.4.1 options.components: CUDA 12.4.1 has no component "cuda_nvcc_typo"')
    expect(res.stderr).toContain('hint: use components listed in https://developer.download.nvidia.com/compute/cuda/redist/redistrib_12.4.1.json: cuda_cccl')
    expect(gets().filter((p) => p.endsWith('.tar.xz'))).toEqual([])
  })
})
