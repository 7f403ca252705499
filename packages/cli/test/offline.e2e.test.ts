// Mirror rewrites and offline installs, end to end with the built CLI. Runs meant to be offline
// execute in a network namespace without network (`unshare -n`, as root; CI runs as root), so a
// connection attempt fails for real; the 127.0.0.1 fixture server's request log must stay empty too.
import { execa } from 'execa'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildDemoMirror, pluginMirror, startMirrorServer, type DemoMirror, type MirrorServer } from '@runner-features/fixture-mirror'
import { RUNNER_BIN, freePort, sandbox, type RunResult, type Sandbox } from './helpers.js'

const TF = '1.5.0'
const isRoot = process.getuid?.() === 0

let demo: DemoMirror
let server: MirrorServer
let yqRoot: string
let yqVersion: string

beforeAll(async () => {
  demo = await buildDemoMirror()
  server = await startMirrorServer(demo.root)
  const yq = await pluginMirror('yq')
  yqRoot = yq.root
  yqVersion = yq.versions[0]!
}, 120_000)
afterAll(async () => {
  await server?.close()
})

/** The built CLI with no network at all: a fresh network namespace (root), else the plain process. */
async function offlineRun(box: Sandbox, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  if (!isRoot) return box.runner(args, { env })
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('RUNNER_') && !k.startsWith('GITHUB_'))) as Record<string, string>
  const r = await execa('unshare', ['-n', process.execPath, RUNNER_BIN, ...args], { env: { ...clean, ...box.env, ...env }, extendEnv: false, reject: false, all: true })
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) }
}

const rewrites = (rules: Record<string, string>) => Object.entries(rules).map(([p, r]) => `${p}=${r}`).join(',')

describe('global mirror rewrites', () => {
  test('RUNNER_FEATURES_MIRRORS sends terraform to an http mirror; mirrorsOnly refuses what no rule covers, before any request', async () => {
    const box = await sandbox({
      RUNNER_FEATURES_MIRRORS: rewrites({ 'https://releases.hashicorp.com/': `${server.url}hashicorp/` }),
      RUNNER_FEATURES_MIRRORS_ONLY: '1',
    })
    try {
      server.resetRequests()
      const ok = await box.runner(['features', 'install', `terraform@${TF}`])
      expect(ok.exitCode, ok.all).toBe(0)
      expect(server.requests.some((r) => r.path === `/hashicorp/terraform/${TF}/terraform_${TF}_linux_amd64.zip`)).toBe(true)

      server.resetRequests()
      const refused = await box.runner(['features', 'install', 'nodejs@20'])
      expect(refused.exitCode).toBe(1)
      expect(refused.stderr).toContain('error MIRROR_REQUIRED')
      expect(refused.stderr).toContain('https://nodejs.org/dist/index.json')
      expect(server.requests).toEqual([])
    } finally {
      await box.cleanup()
    }
  })

  test('GitHub release and API URLs rewritten to a plain directory install yq with no network', async () => {
    const box = await sandbox({
      RUNNER_FEATURES_MIRRORS: rewrites({
        'https://api.github.com/repos/mikefarah/yq/': `${yqRoot}/api/`,
        'https://github.com/mikefarah/yq/': `${yqRoot}/`,
      }),
      RUNNER_FEATURES_OFFLINE: '1',
    })
    try {
      const r = await offlineRun(box, ['features', 'install', 'yq'])
      expect(r.exitCode, r.all).toBe(0)
      const which = await execa(join(box.binDir, 'yq'), ['--version'], { reject: false })
      expect(which.stdout).toContain(yqVersion)
    } finally {
      await box.cleanup()
    }
  })

  test('a team config mirrors: entry (a directory relative to the config) installs terraform under --offline', async () => {
    const box = await sandbox()
    try {
      const repo = join(box.dir, 'repo')
      await mkdir(join(repo, '.github'), { recursive: true })
      await symlink(join(demo.root, 'hashicorp'), join(repo, 'hc-mirror'))
      await writeFile(join(repo, '.github', 'runner-config.yml'), `features:\n  - terraform@${TF}\nmirrorsOnly: true\nmirrors:\n  "https://releases.hashicorp.com/": ../hc-mirror/\n`)
      const r = await offlineRun(box, ['features', 'install', '--offline', '--config', join(repo, '.github', 'runner-config.yml')])
      expect(r.exitCode, r.all).toBe(0)
      expect(r.all).toContain(`terraform@${TF}`)
    } finally {
      await box.cleanup()
    }
  })
})

describe('--offline', () => {
  test('hit: what one online run cached installs again with no network; miss: OFFLINE_UNAVAILABLE names the URL', async () => {
    const online = await sandbox({ RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/` })
    try {
      const first = await online.runner(['features', 'install', `terraform@${TF}`])
      expect(first.exitCode, first.all).toBe(0)
      // A second machine sharing the download cache, with an empty tool cache.
      const fresh = { ...online, env: { ...online.env, RUNNER_TOOL_CACHE: join(online.dir, 'toolcache2'), RUNNER_FEATURES_BIN_DIR: join(online.dir, 'bin2') } }
      server.resetRequests()
      const hit = await offlineRun(fresh, ['features', 'install', '--offline', `terraform@${TF}`])
      expect(hit.exitCode, hit.all).toBe(0)
      expect(server.requests).toEqual([])
      const tf = await execa(join(online.dir, 'bin2', 'terraform'), ['version'], { reject: false })
      expect(tf.stdout).toContain(`Terraform v${TF}`)

      const miss = await offlineRun(fresh, ['features', 'install', '--offline', 'nodejs@20'])
      expect(miss.exitCode).toBe(1)
      expect(miss.stderr).toContain('error OFFLINE_UNAVAILABLE')
      expect(miss.stderr).toContain('https://nodejs.org/dist/index.json')
      expect(server.requests).toEqual([])
    } finally {
      await online.cleanup()
    }
  })
})


describe('mirror build', () => {
  test('the locked set (terraform, nodejs, yq) as a directory: served by python3 -m http.server it installs with mirrorsOnly; as a directory it installs with no network', async () => {
    const yqServer = await startMirrorServer(yqRoot)
    const nodeVersion = demo.nodejs.versions[0]!
    const online = await sandbox({
      RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/`,
      RUNNER_FEATURES_MIRROR_NODEJS: `${server.url}nodejs/`,
      RUNNER_FEATURES_MIRROR_YQ: yqServer.url,
    })
    let python: ReturnType<typeof execa> | undefined
    try {
      const repo = join(online.dir, 'repo')
      await mkdir(join(repo, '.github'), { recursive: true })
      const config = join(repo, '.github', 'runner-config.yml')
      await writeFile(config, `features:\n  - terraform@${TF}\n  - nodejs@${nodeVersion}\n  - yq@${yqVersion}\n`)
      const lock = await online.runner(['features', 'lock', '--platform', 'linux-x64', '--config', config])
      expect(lock.exitCode, lock.all).toBe(0)
      const dir = join(online.dir, 'mirror')
      const built = await online.runner(['features', 'mirror', 'build', dir, '--config', config, '--json'])
      expect(built.exitCode, built.all).toBe(0)
      const manifest = JSON.parse(built.stdout) as { files: { path: string; kind: string }[] }
      const paths = manifest.files.map((f) => f.path)
      expect(paths).toContain(`releases.hashicorp.com/terraform/${TF}/terraform_${TF}_linux_amd64.zip`)
      expect(paths).toContain(`releases.hashicorp.com/terraform/${TF}/terraform_${TF}_SHA256SUMS.72D7468F.sig`)
      expect(paths).toContain(`nodejs.org/dist/v${nodeVersion}/SHASUMS256.txt`)
      expect(paths.some((p) => p.startsWith(`github.com/mikefarah/yq/releases/download/v${yqVersion}/yq_linux_amd64`))).toBe(true)
      expect(JSON.parse(await readFile(join(dir, 'runner-features-mirror.json'), 'utf8'))).toMatchObject({ format: 1, platforms: ['linux-x64'] })
      // Checksum files and signatures are copied byte for byte. terraform's .sig is a binary OpenPGP
      // signature (a packet tag byte first, not armor text), which the mirrorsOnly install below verifies.
      const sums = `terraform/${TF}/terraform_${TF}_SHA256SUMS`
      const sig = await readFile(join(demo.hashicorp.root, `${sums}.72D7468F.sig`))
      expect(sig[0]! & 0x80).toBe(0x80)
      expect(await readFile(join(dir, 'releases.hashicorp.com', `${sums}.72D7468F.sig`))).toEqual(sig)
      expect(await readFile(join(dir, 'releases.hashicorp.com', sums))).toEqual(await readFile(join(demo.hashicorp.root, sums)))

      const port = await freePort()
      python = execa('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { reject: false })
      const base = `http://127.0.0.1:${port}/`
      for (let i = 0; i < 100 && !(await fetch(base).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100))
      const mirrored = await sandbox({
        RUNNER_FEATURES_MIRRORS: rewrites({ 'https://releases.hashicorp.com/': `${base}releases.hashicorp.com/`, 'https://nodejs.org/': `${base}nodejs.org/`, 'https://github.com/': `${base}github.com/` }),
        RUNNER_FEATURES_MIRRORS_ONLY: '1',
      })
      try {
        const r = await mirrored.runner(['features', 'install', '--frozen', '--config', config])
        expect(r.exitCode, r.all).toBe(0)
        expect(r.all).not.toContain('signatures NOT checked')
        expect((await execa(join(mirrored.binDir, 'terraform'), ['version'])).stdout).toContain(`Terraform v${TF}`)
        expect((await execa(join(mirrored.binDir, 'node'), ['--version'])).stdout.trim()).toBe(`v${nodeVersion}`)
        expect((await execa(join(mirrored.binDir, 'yq'), ['--version'])).stdout).toContain(yqVersion)
      } finally {
        await mirrored.cleanup()
      }

      const airGapped = await sandbox({
        RUNNER_FEATURES_MIRRORS: rewrites({ 'https://releases.hashicorp.com/': `${dir}/releases.hashicorp.com/`, 'https://nodejs.org/': `${dir}/nodejs.org/`, 'https://github.com/': `${dir}/github.com/` }),
      })
      try {
        const r = await offlineRun(airGapped, ['features', 'install', '--frozen', '--offline', '--config', config])
        expect(r.exitCode, r.all).toBe(0)
        expect((await execa(join(airGapped.binDir, 'node'), ['--version'])).stdout.trim()).toBe(`v${nodeVersion}`)
      } finally {
        await airGapped.cleanup()
      }
    } finally {
      python?.kill()
      await yqServer.close()
      await online.cleanup()
    }
  }, 180_000)
})

describe('vendor and install --from', () => {
  test('a bundle of terraform, nodejs and yq installs in a namespace without network; another lock or a missing platform fails before the tool cache is touched', async () => {
    const yqServer = await startMirrorServer(yqRoot)
    const nodeVersion = demo.nodejs.versions[0]!
    const online = await sandbox({
      RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/`,
      RUNNER_FEATURES_MIRROR_NODEJS: `${server.url}nodejs/`,
      RUNNER_FEATURES_MIRROR_YQ: yqServer.url,
    })
    const airGapped = await sandbox()
    try {
      const repo = join(online.dir, 'repo')
      await mkdir(join(repo, '.github'), { recursive: true })
      const config = join(repo, '.github', 'runner-config.yml')
      await writeFile(config, `features:\n  - terraform@${TF}\n  - nodejs@${nodeVersion}\n  - yq@${yqVersion}\n`)
      expect((await online.runner(['features', 'lock', '--platform', 'linux-x64', '--config', config])).exitCode).toBe(0)
      const bundle = join(online.dir, 'bundle.tar')
      const vendored = await online.runner(['features', 'vendor', '-o', bundle, '--config', config])
      expect(vendored.exitCode, vendored.all).toBe(0)
      expect(vendored.stdout).toContain(`terraform@${TF}`)
      // No version indexes (install --from is frozen): none in the manifest, no frozen-only warning.
      const bundled = JSON.parse((await execa('tar', ['-xOf', bundle, 'runner-features-mirror.json'])).stdout) as { files: { kind: string }[]; frozenOnly?: string[] }
      expect(bundled.files.map((f) => f.kind).filter((k) => k === 'index')).toEqual([])
      expect(bundled.frozenOnly).toBeUndefined()
      expect(vendored.stderr).not.toContain('no version index')

      // The other side: the same repo (config + lock), no network, an empty download cache.
      const r = await offlineRun(airGapped, ['features', 'install', '--from', bundle, '--config', config])
      expect(r.exitCode, r.all).toBe(0)
      expect((await execa(join(airGapped.binDir, 'terraform'), ['version'])).stdout).toContain(`Terraform v${TF}`)
      expect((await execa(join(airGapped.binDir, 'node'), ['--version'])).stdout.trim()).toBe(`v${nodeVersion}`)
      expect((await execa(join(airGapped.binDir, 'yq'), ['--version'])).stdout).toContain(yqVersion)

      // A lock that changed since the bundle was made: refused before anything is installed.
      const other = await sandbox()
      try {
        const lockFile = join(repo, '.github', 'runner-features.lock')
        const original = await readFile(lockFile, 'utf8')
        await writeFile(lockFile, `${original}\n`)
        const mismatch = await offlineRun(other, ['features', 'install', '--from', bundle, '--config', config])
        expect(mismatch.exitCode).toBe(1)
        expect(mismatch.stderr).toContain('error BUNDLE_MISMATCH')
        expect(mismatch.stderr).toContain('made from another runner-features.lock')
        await writeFile(lockFile, original)
        const { readdir } = await import('node:fs/promises')
        // No tool directory (only the CLI's own state folder, which loading the project may create).
        expect((await readdir(other.toolCache).catch(() => [] as string[])).filter((e) => e !== '.runner-features')).toEqual([])

        await writeFile(join(other.dir, 'junk.tar'), 'not a tar')
        const junk = await offlineRun(other, ['features', 'install', '--from', join(other.dir, 'junk.tar'), '--config', config])
        expect(junk.exitCode).toBe(1)
        expect(junk.stderr).toContain('error BUNDLE_INVALID')
      } finally {
        await other.cleanup()
      }

      const armOnly = join(online.dir, 'arm.tar')
      const arm = await online.runner(['features', 'vendor', '--platform', 'linux-arm64', '-o', armOnly, '--config', config])
      expect(arm.exitCode).toBe(1)
      expect(arm.stderr).toContain('error LOCKFILE_MISSING_PLATFORM')
    } finally {
      await yqServer.close()
      await online.cleanup()
      await airGapped.cleanup()
    }
  }, 180_000)
})

describe('cache ls / prune', () => {
  test('ls shows the verified download; prune --max-size empties it, and --offline then says what is missing', async () => {
    const box = await sandbox({ RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/` })
    try {
      expect((await box.runner(['features', 'install', `terraform@${TF}`])).exitCode).toBe(0)
      const ls = await box.runner(['features', 'cache', 'ls', '--json'])
      expect(ls.exitCode, ls.all).toBe(0)
      const listing = JSON.parse(ls.stdout) as { entries: { kind: string; size: number }[]; totalBytes: number }
      expect(listing.entries.some((e) => e.kind === 'download' && e.size > 0)).toBe(true)

      const bad = await box.runner(['features', 'cache', 'prune', '--max-size', 'lots'])
      expect(bad.exitCode).toBe(1)
      expect(bad.stderr).toContain('error INVALID_ARGUMENT')

      const pruned = await box.runner(['features', 'cache', 'prune', '--max-size', '1', '--json'])
      expect(pruned.exitCode, pruned.all).toBe(0)
      expect(JSON.parse(pruned.stdout)).toMatchObject({ entries: [], totalBytes: 0, freedBytes: listing.totalBytes })

      const fresh = { ...box, env: { ...box.env, RUNNER_TOOL_CACHE: join(box.dir, 'toolcache2') } }
      const miss = await offlineRun(fresh, ['features', 'install', '--offline', `terraform@${TF}`])
      expect(miss.exitCode).toBe(1)
      expect(miss.stderr).toContain('error OFFLINE_UNAVAILABLE')
    } finally {
      await box.cleanup()
    }
  })
})

describe('a read-only shared tool cache', () => {
  test.skipIf(!isRoot)('mounted read-only: an install already there is a no-op; a missing one fails PERMISSION_DENIED (EROFS) without writing', async () => {
    const box = await sandbox({ RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/`, RUNNER_FEATURES_MIRROR_NODEJS: `${server.url}nodejs/` })
    try {
      expect((await box.runner(['features', 'install', `terraform@${TF}`])).exitCode).toBe(0)
      const { readdir } = await import('node:fs/promises')
      const before = await readdir(box.toolCache)
      // A private mount namespace in which the tool cache is a read-only bind mount, as a volume mounted ro in many pods.
      const ro = (args: string[]) => execa('unshare', ['-m', 'sh', '-c', 'mount --bind "$RUNNER_TOOL_CACHE" "$RUNNER_TOOL_CACHE" && mount -o remount,ro,bind "$RUNNER_TOOL_CACHE" && exec "$0" "$@"', process.execPath, RUNNER_BIN, ...args], { env: { ...process.env, ...box.env }, reject: false })
      const hit = await ro(['features', 'install', '--no-link', `terraform@${TF}`])
      expect(hit.exitCode, String(hit.stderr)).toBe(0)
      expect(String(hit.stdout)).toContain('already installed')
      const miss = await ro(['features', 'install', '--no-link', `nodejs@${demo.nodejs.versions[0]}`])
      expect(miss.exitCode).toBe(1)
      expect(String(miss.stderr)).toContain('error PERMISSION_DENIED')
      expect(String(miss.stderr)).toContain('read-only (EROFS)')
      expect(await readdir(box.toolCache)).toEqual(before)
    } finally {
      await box.cleanup()
    }
  })
})
