import { lstat, readFile, readdir, readlink, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { buildDemoMirror, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from './helpers.js'

// These run the built `runner` against a local mirror in the real upstream layouts: a real Node
// 20 binary repackaged as node-v20.x-linux-x64.tar.gz with a real SHASUMS256.txt and index.json,
// and terraform zips in the releases.hashicorp.com layout.
let server: MirrorServer
let nodeVersion: string
let mirrors: Record<string, string>
const boxes: Sandbox[] = []

beforeAll(async () => {
  const mirror = await buildDemoMirror()
  server = await startMirrorServer(mirror.root)
  nodeVersion = mirror.nodejs.versions[0]!
  mirrors = { RUNNER_FEATURES_MIRROR_NODEJS: `${server.url}nodejs/`, RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/` }
})
afterAll(async () => {
  await server?.close()
})
afterEach(async () => {
  server.resetRequests()
  await Promise.all(boxes.splice(0).map((b) => b.cleanup()))
})

async function box(extra: Record<string, string> = {}): Promise<Sandbox> {
  const b = await sandbox({ ...mirrors, ...extra })
  boxes.push(b)
  return b
}

const exists = (p: string) => lstat(p).then(() => true, () => false)

describe('runner features install', () => {
  test('installs nodejs@20 and terraform@1.5.0 into the tool-cache layout, links bins, records state', async () => {
    const b = await box()
    const res = await b.runner(['features', 'install', 'nodejs@20', 'terraform@1.5.0'])
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain(`nodejs@20 → ${nodeVersion}  installed`)
    expect(res.stdout).toContain('terraform@1.5.0 → 1.5.0  installed')

    expect(await exists(join(b.toolCache, 'node', nodeVersion, 'x64', 'bin', 'node'))).toBe(true)
    expect(await exists(join(b.toolCache, 'node', nodeVersion, 'x64.complete'))).toBe(true)
    expect(await exists(join(b.toolCache, 'terraform', '1.5.0', 'x64', 'terraform'))).toBe(true)
    expect(await exists(join(b.toolCache, 'terraform', '1.5.0', 'x64.complete'))).toBe(true)
    expect((await readdir(join(b.toolCache, 'node', nodeVersion))).sort()).toEqual(['x64', 'x64.complete'])

    expect((await execa(join(b.binDir, 'node'), ['--version'])).stdout).toBe(`v${nodeVersion}`)
    expect((await execa(join(b.binDir, 'terraform'), ['version'])).stdout).toContain('Terraform v1.5.0')

    const list = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout)
    expect(list.installed.map((r: { id: string; version: string }) => `${r.id}@${r.version}`).sort()).toEqual([`nodejs@${nodeVersion}`, 'terraform@1.5.0'])
    const node = list.installed.find((r: { id: string }) => r.id === 'nodejs')
    expect(node.sourceUrl).toBe(`https://nodejs.org/dist/v${nodeVersion}/node-v${nodeVersion}-linux-x64.tar.gz`)
    expect(node.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(node.plugin).toMatch(/^@runner-features\/nodejs@\d/)
    expect(list.plugins.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['nodejs', 'terraform']))
  })

  test('re-installing is a no-op that makes zero requests', async () => {
    const b = await box()
    expect((await b.runner(['features', 'install', 'nodejs@20', 'terraform@1.5.0'])).exitCode).toBe(0)
    server.resetRequests()
    for (const args of [['nodejs@20', 'terraform@1.5.0'], [`nodejs@${nodeVersion}`, 'terraform@~1.5.0']]) {
      const again = await b.runner(['features', 'install', ...args])
      expect(again.exitCode, again.all).toBe(0)
      expect(again.stdout.match(/already installed/g)).toHaveLength(2)
    }
    const json = await b.runner(['features', 'install', 'nodejs@20', 'terraform@1.5.0', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ requests: 0, results: [{ status: 'already-installed' }, { status: 'already-installed' }] })
    expect(server.requests).toEqual([])
  })

  test('--dry-run prints the plan with mirror URL and sha256 and downloads no archive', async () => {
    const b = await box()
    const res = await b.runner(['features', 'install', 'nodejs@20', '--dry-run', '--json'])
    expect(res.exitCode, res.all).toBe(0)
    const plan = JSON.parse(res.stdout)
    expect(plan.results[0]).toMatchObject({ id: 'nodejs', version: nodeVersion, status: 'would-install', fetchFrom: `${server.url}nodejs/v${nodeVersion}/node-v${nodeVersion}-linux-x64.tar.gz` })
    expect(server.requests.some((r) => r.path.endsWith('.tar.gz'))).toBe(false)
    expect(await exists(join(b.toolCache, 'node'))).toBe(false)
  })

  test('a tampered archive fails with CHECKSUM_MISMATCH and leaves nothing in the tool cache, bin dir or cache', async () => {
    const b = await box()
    const path = `/hashicorp/terraform/1.5.0/terraform_1.5.0_linux_amd64.zip`
    const real = await (await fetch(`${server.url}${path.slice(1)}`)).arrayBuffer()
    const tampered = Buffer.from(real)
    tampered[tampered.length - 30] = tampered[tampered.length - 30]! ^ 0xff
    server.override(path, tampered)
    try {
      const res = await b.runner(['features', 'install', 'terraform@1.5.0'])
      expect(res.exitCode).toBe(1)
      expect(res.stderr).toMatch(/error CHECKSUM_MISMATCH: .*terraform_1\.5\.0_SHA256SUMS/)
      expect(res.stderr).toContain('hint:')
      expect(await readdir(join(b.toolCache, 'terraform', '1.5.0')).catch(() => [])).toEqual([])
      expect(await readdir(b.binDir).catch(() => [])).toEqual([])
      expect(await readdir(join(b.cacheDir, 'downloads', 'sha256')).catch(() => [])).toEqual([])
    } finally {
      server.clearOverrides()
    }
  })

  test('a checksum file that does not list the archive fails closed with CHECKSUM_MISSING', async () => {
    const b = await box()
    const path = `/nodejs/v${nodeVersion}/SHASUMS256.txt`
    server.override(path, Buffer.from(`${'0'.repeat(64)}  node-v${nodeVersion}-darwin-arm64.tar.gz\n`))
    try {
      const res = await b.runner(['features', 'install', 'nodejs@20', '--json'])
      expect(res.exitCode).toBe(1)
      // Checksums are looked up while planning, so the whole run fails before any download.
      expect(JSON.parse(res.stdout).error.code).toBe('CHECKSUM_MISSING')
      expect(server.requests.some((r) => r.path.endsWith('.tar.gz'))).toBe(false)
    } finally {
      server.clearOverrides()
    }
  })

  test('unknown features get did-you-mean; unmatched versions list the nearest; both before any download', async () => {
    const b = await box()
    const unknown = await b.runner(['features', 'install', 'nodej@20'])
    expect(unknown.exitCode).toBe(1)
    expect(unknown.stderr).toContain('error UNKNOWN_FEATURE: nodej@20 (argument)')
    expect(unknown.stderr).toContain('did you mean nodejs?')

    const json = JSON.parse((await b.runner(['features', 'install', 'terraforn', '--json'])).stdout)
    expect(json.error).toMatchObject({ code: 'UNKNOWN_FEATURE', details: { suggestions: ['terraform'] } })

    const missing = await b.runner(['features', 'install', 'terraform@1.99'])
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toMatch(/VERSION_NOT_FOUND: terraform@1\.99 \(argument\): no release matches/)
    expect(missing.stderr).toMatch(/hint: nearest: .*1\.6\.0/)

    const bad = await b.runner(['features', 'install', 'nodejs@banana'])
    expect(bad.stderr).toContain('error INVALID_SPEC')
    expect(server.requests.filter((r) => /\.(zip|tar\.gz)$/.test(r.path))).toEqual([])
  })

  test('mirror credentials are sent but never printed or recorded', async () => {
    const b = await box({ RUNNER_FEATURES_MIRROR_TERRAFORM: server.url.replace('http://', 'http://ci-bot:s3cr3t-t0ken@') + 'hashicorp/' })
    const res = await b.runner(['features', 'install', 'terraform@1.5.0'])
    expect(res.exitCode, res.all).toBe(0)
    const dry = await b.runner(['features', 'install', 'terraform@1.6.0', '--dry-run', '--json'])
    const state = await readFile(join(b.toolCache, '.runner-features', 'state.json'), 'utf8')
    for (const text of [res.all, dry.all, state]) expect(text).not.toContain('s3cr3t')
    expect(JSON.parse(dry.stdout).results[0].fetchFrom).toContain('***@')
  })

  test('--mirror before or after the specs, repeated or not', async () => {
    const b = await box({ RUNNER_FEATURES_MIRROR_TERRAFORM: 'http://127.0.0.1:9/unused/', RUNNER_FEATURES_MIRROR_NODEJS: 'http://127.0.0.1:9/unused/' })
    const tf = `terraform=${server.url}hashicorp/`
    const node = `nodejs=${server.url}nodejs/`
    for (const args of [['--mirror', tf, 'terraform@1.5.0'], ['terraform@1.5.0', '--mirror', tf], ['--mirror', tf, '--mirror', node, 'terraform@1.5.0', 'nodejs@20']]) {
      const res = await b.runner(['features', 'install', '--dry-run', ...args])
      expect(res.exitCode, res.all).toBe(0)
      expect(res.stdout).toContain(`from ${server.url}hashicorp/terraform/1.5.0/terraform_1.5.0_linux_amd64.zip`)
    }
  })

  test('a mirror that fails transiently is retried', async () => {
    const b = await box()
    server.failNext('/hashicorp/terraform/index.json', 503, 2)
    const res = await b.runner(['features', 'install', 'terraform@1.5.0'])
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stderr).toContain('retrying')
  })

  test('a 404 mirror gives DOWNLOAD_FAILED naming the URL', async () => {
    const b = await box({ RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}nothing-here/` })
    const res = await b.runner(['features', 'install', 'terraform@1.5.0'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain(`error DOWNLOAD_FAILED: ${server.url}nothing-here/terraform/index.json: HTTP 404`)
  })

  test('an existing foreign file in the bin dir is BIN_CONFLICT before any download', async () => {
    const b = await box()
    await mkdir(b.binDir, { recursive: true })
    await writeFile(join(b.binDir, 'terraform'), '#!/bin/sh\necho mine\n')
    const res = await b.runner(['features', 'install', 'terraform@1.5.0'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain('BIN_CONFLICT')
    expect(server.requests.some((r) => r.path.endsWith('.zip'))).toBe(false)
    expect(await readFile(join(b.binDir, 'terraform'), 'utf8')).toContain('mine')
  })

  test('GITHUB_PATH and GITHUB_ENV are appended when the runner sets them', async () => {
    const b = await box()
    const ghPath = join(b.dir, 'github_path')
    await writeFile(ghPath, '/existing\n')
    const res = await b.runner(['features', 'install', 'terraform@1.5.0'], { env: { GITHUB_PATH: ghPath, GITHUB_ENV: join(b.dir, 'github_env') } })
    expect(res.exitCode, res.all).toBe(0)
    expect(await readFile(ghPath, 'utf8')).toBe(`/existing\n${join(b.toolCache, 'terraform', '1.5.0', 'x64')}\n`)
  })

  test('switching versions relinks; uninstall removes marker, files and state and links the version still installed', async () => {
    const b = await box()
    expect((await b.runner(['features', 'install', 'terraform@1.5.0'])).exitCode).toBe(0)
    expect((await b.runner(['features', 'install', 'terraform@1.6.0'])).exitCode).toBe(0)
    expect(await readlink(join(b.binDir, 'terraform'))).toBe(join(b.toolCache, 'terraform', '1.6.0', 'x64', 'terraform'))
    expect((await b.runner(['features', 'install', 'terraform@1.5.0'])).stdout).toContain('already installed')
    expect(await readlink(join(b.binDir, 'terraform'))).toBe(join(b.toolCache, 'terraform', '1.5.0', 'x64', 'terraform'))

    const un = await b.runner(['features', 'uninstall', 'terraform@1.5.0'])
    expect(un.exitCode, un.all).toBe(0)
    expect(un.stdout).toContain('terraform 1.6.0 is linked now')
    expect(await readlink(join(b.binDir, 'terraform'))).toBe(join(b.toolCache, 'terraform', '1.6.0', 'x64', 'terraform'))
    expect(await exists(join(b.toolCache, 'terraform', '1.5.0'))).toBe(false)
    const list = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout)
    expect(list.installed.map((r: { version: string }) => r.version)).toEqual(['1.6.0'])
    const again = await b.runner(['features', 'uninstall', 'terraform@1.5.0'])
    expect(again.stderr).toContain('error NOT_INSTALLED')
  })
})

describe('system-package features', () => {
  test('--dry-run names the distro packages and runs no package manager', async () => {
    const b = await box()
    const res = await b.runner(['features', 'install', 'common-utils', 'python@system', '--dry-run', '--json'])
    expect(res.exitCode, res.all).toBe(0)
    const plan = JSON.parse(res.stdout)
    expect(plan.results[0]).toMatchObject({ id: 'common-utils', status: 'would-install', sourceUrl: expect.stringMatching(/^debian:.*\bjq\b.*\bopenssh-client\b/) })
    expect(plan.results[1]).toMatchObject({ id: 'python', status: 'would-install', sourceUrl: 'debian:python3,python3-pip,python3-venv' })
    const text = await b.runner(['features', 'install', 'python@system', '--dry-run'])
    expect(text.stdout).toContain('python@system → system  would install python3, python3-pip, python3-venv with the debian package manager')
  })
})

describe('runner features versions', () => {
  test('lists mirror versions newest first with LTS codenames from index.json, marking installed ones', async () => {
    const b = await box()
    await b.runner(['features', 'install', 'nodejs@20'])
    const res = await b.runner(['features', 'versions', 'nodejs', '--json'])
    expect(res.exitCode, res.all).toBe(0)
    const out = JSON.parse(res.stdout)
    const mine = out.versions.find((v: { version: string }) => v.version === nodeVersion)
    expect(mine).toMatchObject({ lts: 'Iron', installed: true })
    expect(out.versions.filter((v: { installed: boolean }) => v.installed)).toHaveLength(1)
  })
})
