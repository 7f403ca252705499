import { createHash } from 'node:crypto'
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildDemoMirror, detachedSignature, mirrorSigningKey, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from './helpers.js'

// The team config end to end: the built `runner` against local mirrors in the real upstream
// layouts (nodejs, terraform) plus two third-party fixture plugins with tiny upstreams of their own:
// greet (dependsOn nodejs ^20, installsAfter terraform, has options) and wave (dependsOn greet
// with options). Nothing reaches the internet.

const fixtures = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const ARCHIVE = /\.(tar\.gz|tar\.xz|zip)$|\/(greet|wave)-linux-/

let demo: MirrorServer
let demoRoot: string
let extra: MirrorServer
let extraDir: string
let nodeVersion: string
/** A download cache shared by the sandboxes, so Node's 40 MB tarball is fetched once per run. */
let sharedCache: string

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

async function writeToolUpstream(root: string, tool: string, versions: string[]): Promise<void> {
  await mkdir(join(root, tool), { recursive: true })
  await writeFile(join(root, tool, 'index.json'), JSON.stringify({ versions }))
  for (const v of versions) {
    await mkdir(join(root, tool, v), { recursive: true })
    const sums: string[] = []
    for (const arch of ['x64', 'arm64']) {
      const script = `#!/bin/sh\necho "${tool} ${v}"\n`
      await writeFile(join(root, tool, v, `${tool}-linux-${arch}`), script)
      sums.push(`${sha(script)}  ${tool}-linux-${arch}`)
    }
    await writeFile(join(root, tool, v, 'SHA256SUMS'), `${sums.join('\n')}\n`)
  }
}

beforeAll(async () => {
  const mirror = await buildDemoMirror()
  nodeVersion = mirror.nodejs.versions[0]!
  demo = await startMirrorServer(mirror.root)
  demoRoot = mirror.root
  extraDir = await mkdtemp(join(tmpdir(), 'rf-config-upstreams-'))
  await writeToolUpstream(extraDir, 'greet', ['1.0.0', '1.1.0'])
  await writeToolUpstream(extraDir, 'wave', ['0.9.0'])
  // A nodejs.org/dist layout with checksums for both arches and NO archives at all: locking must not need them.
  await mkdir(join(extraDir, 'nodejs', `v${nodeVersion}`), { recursive: true })
  await copyFile(join(mirror.root, 'nodejs', 'index.json'), join(extraDir, 'nodejs', 'index.json'))
  const sums = await readFile(join(mirror.root, 'nodejs', `v${nodeVersion}`, 'SHASUMS256.txt'), 'utf8')
  const extraSums = `${sums}${'b'.repeat(64)}  node-v${nodeVersion}-linux-arm64.tar.gz\n`
  await writeFile(join(extraDir, 'nodejs', `v${nodeVersion}`, 'SHASUMS256.txt'), extraSums)
  // Signed like nodejs.org's, with the fixture mirrors' test key (the sandbox trusts it).
  await writeFile(join(extraDir, 'nodejs', `v${nodeVersion}`, 'SHASUMS256.txt.sig'), await detachedSignature(extraSums))
  extra = await startMirrorServer(extraDir)
  sharedCache = await mkdtemp(join(tmpdir(), 'rf-config-cache-'))
})
afterAll(async () => {
  await demo?.close()
  await extra?.close()
  await rm(extraDir, { recursive: true, force: true })
  await rm(sharedCache, { recursive: true, force: true })
})

interface Repo {
  b: Sandbox
  repo: string
  config: string
  lock: string
  run(args: string[]): ReturnType<Sandbox['runner']>
}

/** A sandbox with the fixture plugins installed and a repo whose config is `config`. */
async function repo(config: string, env: Record<string, string> = {}): Promise<Repo> {
  const b = await sandbox({
    RUNNER_FEATURES_MIRROR_NODEJS: `${demo.url}nodejs/`,
    RUNNER_FEATURES_MIRROR_TERRAFORM: `${demo.url}hashicorp/`,
    RUNNER_FEATURES_MIRROR_GREET: `${extra.url}greet/`,
    RUNNER_FEATURES_MIRROR_WAVE: `${extra.url}wave/`,
    RUNNER_FEATURES_CACHE_DIR: sharedCache,
    ...env,
  })
  for (const p of ['greet-plugin', 'wave-plugin']) {
    const res = await b.runner(['plugins', 'install', fixtures(p)])
    expect(res.exitCode, res.all).toBe(0)
  }
  const dir = join(b.dir, 'repo')
  await mkdir(join(dir, '.github'), { recursive: true })
  await mkdir(join(dir, 'src', 'deep'), { recursive: true })
  await writeFile(join(dir, '.github', 'runner-config.yml'), config)
  // Run from a subdirectory: the config is found by searching upward.
  const run = (args: string[]) => b.runner(args, { cwd: join(dir, 'src', 'deep') })
  return { b, repo: dir, config: join(dir, '.github', 'runner-config.yml'), lock: join(dir, '.github', 'runner-features.lock'), run }
}

const CONFIG = `# yaml-language-server: $schema=../docs/runner-config.schema.json
features:
  - wave
  - { id: greet, version: "1", options: { loud: true } }
tools:
  - terraform@1.5.0
  - nodejs@20
`

/** Paths fetched with GET (HEAD requests, used for sizes, transfer no body). */
const requests = () => [...demo.requests, ...extra.requests].filter((r) => r.method === 'GET').map((r) => r.path)
const resetRequests = () => {
  demo.resetRequests()
  extra.resetRequests()
}

describe('runner features install (no arguments) from .github/runner-config.yml', () => {
  test('4 features, one chain of dependencies: resolved, installed in parallel groups, dependents after their dependencies, lock written', async () => {
    const githubEnv = join(extraDir, `github_env-${process.pid}`)
    const r = await repo(CONFIG, { GITHUB_ENV: githubEnv })
    try {
      const plan = await r.run(['features', 'resolve', '--json'])
      expect(plan.exitCode, plan.all).toBe(0)
      const p = JSON.parse(plan.stdout)
      expect(p.groups).toEqual([['nodejs', 'terraform'], ['greet'], ['wave']])
      expect(Object.fromEntries(p.features.map((f: { id: string; version: string }) => [f.id, f.version]))).toEqual({ nodejs: nodeVersion, terraform: '1.5.0', greet: '1.1.0', wave: '0.9.0' })
      expect(p.features.find((f: { id: string }) => f.id === 'greet')).toMatchObject({
        options: { language: 'fr', loud: true },
        requestedBy: [{ spec: '1', source: '.github/runner-config.yml:4' }, { spec: '>=1.0.0', source: 'plugin @acme/runner-feature-wave' }],
        dependsOn: ['nodejs'], after: ['nodejs', 'terraform'],
      })
      expect(p.fromLock).toBe(false)

      const install = await r.run(['features', 'install', '--jobs', '4', '--json'])
      expect(install.exitCode, install.all).toBe(0)
      const report = JSON.parse(install.stdout)
      expect(report.results.map((x: { id: string; status: string }) => `${x.id}:${x.status}`)).toEqual(['nodejs:installed', 'terraform:installed', 'greet:installed', 'wave:installed'])
      expect(report.lockfile).toMatchObject({ written: true, used: false })

      for (const [bin, out] of [['greet', 'greet 1.1.0'], ['wave', 'wave 0.9.0'], ['terraform', 'Terraform v1.5.0']] as const) {
        expect((await execa(join(r.b.binDir, bin), bin === 'terraform' ? ['version'] : [])).stdout).toContain(out)
      }
      expect((await execa(join(r.b.binDir, 'node'), ['--version'])).stdout).toBe(`v${nodeVersion}`)
      // greet's validated options (config `loud: true` + wave's `language: fr`) reached the plugin.
      expect(await readFile(githubEnv, 'utf8')).toContain('GREET_LANGUAGE=fr\nGREET_LOUD=true\n')

      // Dependents started after their dependencies finished (state records are written at the end of each install).
      const state = JSON.parse(await readFile(join(r.b.toolCache, '.runner-features', 'state.json'), 'utf8')) as { installs: { id: string; installedAt: string }[] }
      const at = (id: string) => Date.parse(state.installs.find((i) => i.id === id)!.installedAt)
      expect(at('greet')).toBeGreaterThanOrEqual(at('nodejs'))
      expect(at('greet')).toBeGreaterThanOrEqual(at('terraform'))
      expect(at('wave')).toBeGreaterThanOrEqual(at('greet'))

      const lockText = await readFile(r.lock, 'utf8')
      expect(lockText).not.toContain('127.0.0.1')
      expect(lockText).toContain(`url: https://nodejs.org/dist/v${nodeVersion}/node-v${nodeVersion}-linux-x64.tar.gz`)
      expect(lockText).toContain('url: https://greet.example.com/1.1.0/greet-linux-x64')

      // A second run installs from the lock and is a no-op; resolve is now offline.
      resetRequests()
      const again = await r.run(['features', 'install', '--frozen', '--json'])
      expect(again.exitCode, again.all).toBe(0)
      expect(JSON.parse(again.stdout).results.every((x: { status: string }) => x.status === 'already-installed')).toBe(true)
      const offline = await r.run(['features', 'resolve', '--json'])
      expect(JSON.parse(offline.stdout)).toMatchObject({ fromLock: true, requests: 0 })
      expect(requests()).toEqual([])
      expect(await readFile(r.lock, 'utf8')).toBe(lockText)
    } finally {
      await r.b.cleanup()
    }
  })

  test('distro-package features (python@system, common-utils) resolve, lock without artifacts and pass --frozen', async () => {
    const r = await repo('features:\n  - python@system\n  - common-utils\ntools:\n  - terraform@1.5.0\n')
    try {
      const plan = JSON.parse((await r.run(['features', 'resolve', '--json'])).stdout)
      expect(Object.fromEntries(plan.features.map((f: { id: string; version: string }) => [f.id, f.version]))).toEqual({ 'common-utils': 'system', python: 'system', terraform: '1.5.0' })
      const lock = await r.run(['features', 'lock'])
      expect(lock.exitCode, lock.all).toBe(0)
      const locked = parse(await readFile(r.lock, 'utf8')) as { features: Record<string, { version: string; platforms: Record<string, unknown> }> }
      expect(locked.features.python).toMatchObject({ version: 'system', platforms: {} })
      expect(Object.keys(locked.features.terraform!.platforms)).toContain('linux-x64')
      const frozen = await r.run(['features', 'install', '--frozen', '--dry-run', '--json'])
      expect(frozen.exitCode, frozen.all).toBe(0)
      expect(JSON.parse(frozen.stdout).results.map((x: { id: string; status: string }) => `${x.id}:${x.status}`).sort()).toEqual(['common-utils:would-install', 'python:would-install', 'terraform:would-install'])
      // python declares dependsOn common-utils (pip needs ca-certificates on a bare image).
      const alone = await repo('features:\n  - python@system\n')
      try {
        const p = JSON.parse((await alone.run(['features', 'resolve', '--json'])).stdout)
        expect(p.groups).toEqual([['common-utils'], ['python']])
      } finally {
        await alone.b.cleanup()
      }
      const mixed = await repo('features:\n  - python@system\n  - python@3.12\n')
      try {
        expect((await mixed.run(['features', 'resolve'])).stderr).toMatch(/error (DEPENDENCY_CONFLICT|CONFIG_INVALID)/)
      } finally {
        await mixed.b.cleanup()
      }
    } finally {
      await r.b.cleanup()
    }
  })

  test('runner features lock fills every supported platform from checksum files, downloading no archive', async () => {
    const r = await repo(CONFIG, { RUNNER_FEATURES_MIRROR_NODEJS: `${extra.url}nodejs/` })
    try {
      resetRequests()
      const res = await r.run(['features', 'lock', '--json', '--refresh'])
      expect(res.exitCode, res.all).toBe(0)
      const seen = requests()
      expect(seen.filter((p) => ARCHIVE.test(p))).toEqual([])
      expect(seen.sort()).toEqual([
        '/greet/1.1.0/SHA256SUMS', '/greet/index.json',
        '/hashicorp/terraform/1.5.0/terraform_1.5.0_SHA256SUMS', '/hashicorp/terraform/1.5.0/terraform_1.5.0_SHA256SUMS.72D7468F.sig', '/hashicorp/terraform/index.json',
        '/nodejs/index.json', `/nodejs/v${nodeVersion}/SHASUMS256.txt`, `/nodejs/v${nodeVersion}/SHASUMS256.txt.sig`,
        '/wave/0.9.0/SHA256SUMS', '/wave/index.json',
      ])
      const platforms = Object.fromEntries(JSON.parse(res.stdout).features.map((f: { id: string; platforms: string[] }) => [f.id, f.platforms]))
      expect(platforms).toEqual({
        greet: ['linux-arm64', 'linux-x64'],
        nodejs: ['linux-arm64', 'linux-x64'],
        terraform: ['linux-arm64', 'linux-arm64-musl', 'linux-x64', 'linux-x64-musl'],
        wave: ['linux-arm64', 'linux-arm64-musl', 'linux-x64', 'linux-x64-musl'],
      })
      const text = await readFile(r.lock, 'utf8')
      expect(text).toContain(`url: https://nodejs.org/dist/v${nodeVersion}/node-v${nodeVersion}-linux-arm64.tar.gz`)
      expect(text).toContain(`sha256: ${'b'.repeat(64)}`)
      expect(text).toContain('name: "@acme/runner-feature-wave"')
      expect(text).not.toContain('127.0.0.1')
      // Who signed each checksum file (terraform's and node's: the fixture mirrors' test key).
      expect(text.match(/signedBy: ([0-9A-F]{40})/g)?.length).toBe(6)
      expect(text).toContain(`signedBy: ${(await mirrorSigningKey()).fingerprint}`)
      // Sizes come from HEAD requests: the terraform zips exist on the mirror; this node mirror has
      // no archives, so node's entries have none and the run says so.
      const lock = parse(text) as { features: Record<string, { platforms: Record<string, { size?: number }> }> }
      const zip = await stat(join(demoRoot, 'hashicorp', 'terraform', '1.5.0', 'terraform_1.5.0_linux_amd64.zip'))
      expect(lock.features.terraform!.platforms['linux-x64']!.size).toBe(zip.size)
      expect(lock.features.nodejs!.platforms['linux-x64']!.size).toBeUndefined()
      expect(res.stderr).toContain('size unknown')
      // Locking again changes nothing (stable output).
      const second = await r.run(['features', 'lock'])
      expect(second.stdout).toContain('unchanged')
    } finally {
      await r.b.cleanup()
    }
  })

  test('--frozen fails before any download: no lock, outdated lock (lock untouched), missing platform', async () => {
    const r = await repo('tools:\n  - terraform@1.5.0\n')
    try {
      resetRequests()
      const missing = await r.run(['features', 'install', '--frozen'])
      expect(missing.exitCode).toBe(1)
      expect(missing.stderr).toContain('error LOCKFILE_MISSING:')

      expect((await r.run(['features', 'lock', '--platform', 'linux-arm64'])).exitCode).toBe(0)
      const onlyArm = await r.run(['features', 'install', '--frozen'])
      expect(onlyArm.exitCode).toBe(1)
      expect(onlyArm.stderr).toContain('error LOCKFILE_MISSING_PLATFORM:')
      expect(onlyArm.stderr).toContain('(terraform linux-x64)')

      expect((await r.run(['features', 'lock', '--platform', 'all'])).exitCode).toBe(0)
      const before = await readFile(r.lock, 'utf8')
      expect(before).toContain('linux-arm64:')
      await writeFile(r.config, 'tools:\n  - terraform@1.5.7\n  - greet\n')
      const outdated = await r.run(['features', 'install', '--frozen'])
      expect(outdated.exitCode).toBe(1)
      expect(outdated.stderr).toContain('error LOCKFILE_OUTDATED:')
      expect(outdated.stderr).toContain('terraform: now config 1.5.7; the lock has config 1.5.0')
      expect(outdated.stderr).toContain('greet is required')
      expect(await readFile(r.lock, 'utf8')).toBe(before)
      expect(requests().filter((p) => ARCHIVE.test(p))).toEqual([])
    } finally {
      await r.b.cleanup()
    }
  })

  test('a locked install verifies the lock\'s sha256 even when the upstream checksum file changed, and reports both', async () => {
    const r = await repo('tools:\n  - terraform@1.5.7\n')
    try {
      expect((await r.run(['features', 'lock'])).exitCode).toBe(0)
      const sumsPath = '/hashicorp/terraform/1.5.7/terraform_1.5.7_SHA256SUMS'
      const real = await readFile(join(demo.root, sumsPath), 'utf8')
      const forged = real.replace(/^[0-9a-f]{64}(?=  terraform_1\.5\.7_linux_amd64\.zip)/m, 'c'.repeat(64))
      demo.override(sumsPath, Buffer.from(forged))
      try {
        // Changed under the old signature: refused before any download.
        const tampered = await r.run(['features', 'install', '--frozen', '--refresh'])
        expect(tampered.exitCode, tampered.all).toBe(1)
        expect(tampered.stderr).toContain('error SIGNATURE_INVALID')
        // Re-signed by the same trusted key (an upstream re-release): the lock's sha256 wins, with a warning.
        demo.override(`${sumsPath}.72D7468F.sig`, Buffer.from(await detachedSignature(forged)))
        const ok = await r.run(['features', 'install', '--frozen', '--refresh'])
        expect(ok.exitCode, ok.all).toBe(0)
        expect(ok.stderr).toContain(`the upstream checksum file now says sha256 ${'c'.repeat(64)}`)

        await r.run(['features', 'uninstall', 'terraform@1.5.7'])
        await rm(join(sharedCache, 'downloads'), { recursive: true, force: true })
        await rm(join(sharedCache, 'store'), { recursive: true, force: true })
        demo.override('/hashicorp/terraform/1.5.7/terraform_1.5.7_linux_amd64.zip', Buffer.from('not the locked bytes'))
        const bad = await r.run(['features', 'install', '--frozen', '--refresh'])
        expect(bad.exitCode, bad.all).toBe(1)
        expect(bad.stderr).toContain('error CHECKSUM_MISMATCH')
        expect(bad.stderr).toMatch(/the lock pins sha256 [0-9a-f]{64}, the upstream checksum file says c{64}/)
      } finally {
        demo.clearOverrides()
      }
    } finally {
      await r.b.cleanup()
    }
  })

  test('conflicts, bad options and config errors fail before any download, with locations', async () => {
    const r = await repo('features:\n  - greet\n  - nodejs@22\n')
    try {
      resetRequests()
      const conflict = await r.run(['features', 'install'])
      expect(conflict.exitCode).toBe(1)
      expect(conflict.stderr).toContain('error DEPENDENCY_CONFLICT: nodejs: nodejs is needed as')
      expect(conflict.stderr).toContain('22 (from .github/runner-config.yml:3)')
      expect(conflict.stderr).toContain('^20 (from greet (plugin @acme/runner-feature-greet))')

      await writeFile(r.config, 'features:\n  - { id: greet, options: { language: de } }\n')
      const options = await r.run(['features', 'resolve'])
      expect(options.stderr).toContain('error INVALID_OPTIONS: greet options (.github/runner-config.yml:2): greet options are invalid: language: invalid value "de"')

      await writeFile(r.config, 'features:\n  - greet\ntols:\n  - terraform\n')
      const invalid = await r.run(['features', 'install'])
      expect(invalid.stderr).toContain('error CONFIG_INVALID: .github/runner-config.yml:3:1: tols: unknown key "tols"')
      expect(invalid.stderr).toContain('hint: allowed here: features, tools, cache')
      expect(requests().filter((p) => ARCHIVE.test(p))).toEqual([])
    } finally {
      await r.b.cleanup()
    }
  })

  test('the summary line says what happened: singular counts, "would install from" on a dry run, "installed from" after success', async () => {
    const r = await repo('tools:\n  - terraform@1.5.0\n')
    try {
      expect((await r.run(['features', 'lock'])).exitCode).toBe(0)
      const dry = await r.run(['features', 'install', '--dry-run'])
      expect(dry.exitCode, dry.all).toBe(0)
      expect(dry.stderr).toMatch(/: 1 feature in 1 parallel group; would install from \S+runner-features\.lock/)
      const real = await r.run(['features', 'install'])
      expect(real.exitCode, real.all).toBe(0)
      expect(real.stderr).toMatch(/: 1 feature in 1 parallel group; installed from \S+runner-features\.lock/)
    } finally {
      await r.b.cleanup()
    }
  })

  test('outdated shows current/wanted/latest; upgrade moves the lock', async () => {
    const r = await repo('tools:\n  - terraform@1.5.0\n')
    try {
      expect((await r.run(['features', 'lock'])).exitCode).toBe(0)
      await writeFile(r.config, 'tools:\n  - terraform@~1.5\n')
      expect((await r.run(['features', 'lock'])).exitCode).toBe(0) // keeps 1.5.0: it still satisfies ~1.5
      const outdated = JSON.parse((await r.run(['features', 'outdated', '--json'])).stdout)
      expect(outdated.features).toEqual([expect.objectContaining({ id: 'terraform', current: '1.5.0', wanted: '1.5.7', latest: '1.6.0', outdated: true, status: 'update-in-range' })])
      expect((await r.run(['features', 'outdated', '--exit-code'])).exitCode).toBe(1)
      const up = await r.run(['features', 'upgrade', 'terraform'])
      expect(up.exitCode, up.all).toBe(0)
      expect(up.stdout).toContain('terraform: 1.5.0 → 1.5.7')
      expect(await readFile(r.lock, 'utf8')).toContain('version: 1.5.7')
      // Only a release outside ~1.5 is newer: not outdated, said as such, and --exit-code passes.
      const after = await r.run(['features', 'outdated', '--exit-code'])
      expect(after.exitCode, after.all).toBe(0)
      expect(after.stdout).toMatch(/terraform\s+1\.5\.7\s+1\.5\.7\s+1\.6\.0\s+1\.6\.0 is outside the range/)
      const json = JSON.parse((await r.run(['features', 'outdated', '--json'])).stdout)
      expect(json.features[0]).toMatchObject({ outdated: false, newerOutsideRange: true, status: 'newer-outside-range' })
    } finally {
      await r.b.cleanup()
    }
  })
})

test('runner features schema prints the committed JSON Schema', async () => {
  const b = await sandbox()
  try {
    const res = await b.runner(['features', 'schema'])
    expect(res.exitCode, res.all).toBe(0)
    expect(JSON.parse(res.stdout)).toEqual(JSON.parse(await readFile(fileURLToPath(new URL('../../../docs/runner-config.schema.json', import.meta.url)), 'utf8')))
  } finally {
    await b.cleanup()
  }
})
