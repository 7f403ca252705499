// Tagged `.root.`: needs root (chroot, mount) and debootstrap. Runs the built CLI inside a real
// Debian bookworm minbase root filesystem and lets it really call apt-get; then exercises
// addRepository against a local signed apt repository (gpg + apt-ftparchive, served on 127.0.0.1).
// Skips, saying why, only when not root or debootstrap is missing. Build first: `pnpm run build`.
import { execa } from 'execa'
import { createReadStream, existsSync, readdirSync } from 'node:fs'
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Exec, Platform } from '@runner-features/core'
import { AptManager, localFs, type PmDeps, type PmFs } from '@runner-features/package-managers'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const CACHE = join(REPO, '.cache/rootfs')
const ROOTFS_CACHE = join(CACHE, 'bookworm-minbase')
const MIRROR = process.env.RUNNER_FEATURES_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

const isRoot = process.getuid?.() === 0
const debootstrap = ['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].find((p) => existsSync(p))
const skipReason = !isRoot ? 'not running as root (chroot and mount need it)' : !debootstrap ? 'debootstrap is not installed (apt-get install debootstrap)' : !existsSync(join(REPO, 'packages/cli/dist/fast.js')) ? 'the CLI is not built (pnpm run build)' : undefined
if (skipReason) console.warn(`[install-system.root.test] SKIPPED: ${skipReason}`)

const timings: Record<string, number> = {}
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now()
  try {
    return await fn()
  } finally {
    timings[label] = Math.round(performance.now() - t0) / 1000
  }
}

/** Paths mounted at or under `dir`, deepest first (from /proc/mounts). */
async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/mounts', 'utf8')
  return text.split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length)
}

/** Unmounts everything under `dir`, then removes it; refuses to `rm -rf` through a live mount. */
async function cleanupWorkDir(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) await execa('umount', [m], { reject: false }).then((r) => (r.exitCode === 0 ? r : execa('umount', ['-l', m])))
  const left = await mountsUnder(dir)
  if (left.length) throw new Error(`still mounted, not removing ${dir}: ${left.join(', ')}`)
  await rm(dir, { recursive: true, force: true })
}

/** debootstrap once, into a temp dir renamed into place, so a killed build never looks cached. */
async function ensureRootfs(): Promise<'cached' | 'built'> {
  if (existsSync(join(ROOTFS_CACHE, 'etc/os-release'))) return 'cached'
  await mkdir(CACHE, { recursive: true })
  const tmp = await mkdtemp(join(CACHE, '.bookworm-minbase.tmp-'))
  try {
    const r = await execa(debootstrap!, ['--variant=minbase', 'bookworm', tmp, MIRROR], { reject: false, all: true })
    if (r.exitCode !== 0) throw new Error(`debootstrap failed (${r.exitCode}): ${String(r.all).slice(-2000)}`)
    await rename(tmp, ROOTFS_CACHE)
    return 'built'
  } catch (err) {
    await cleanupWorkDir(tmp)
    throw err
  }
}

let work: string
let root: string

async function runIn(args: string[], input?: string) {
  return execa('chroot', [root, '/usr/bin/env', '-i', `PATH=${CHROOT_PATH}`, 'HOME=/root', 'LANG=C.UTF-8', 'RUNNER_TOOL_CACHE=/opt/hostedtoolcache', ...args], { reject: false, all: true, input })
}

async function aptCalls(): Promise<string[]> {
  const text = await readFile(join(root, 'var/log/runner-apt-calls.log'), 'utf8').catch(() => '')
  return text.split('\n').filter(Boolean)
}

describe.skipIf(skipReason !== undefined)('inside a real Debian bookworm rootfs', () => {
  beforeAll(async () => {
    await mkdir(CACHE, { recursive: true })
    // Leftovers of a crashed run: unmount, then remove.
    for (const name of readdirSync(CACHE).filter((n) => n.startsWith('work-'))) await cleanupWorkDir(join(CACHE, name))
    timings.rootfsCache = (await timed('rootfs', ensureRootfs)) === 'built' ? 1 : 0
    work = await mkdtemp(join(CACHE, 'work-'))
    root = join(work, 'root')
    await timed('copy rootfs', () => execa('cp', ['-a', ROOTFS_CACHE, root]))
    await timed('copy node + CLI', async () => {
      const nodeDir = readdirSync(join(REPO, '.tools')).find((n) => /^node-v24\./.test(n))
      if (!nodeDir) throw new Error('no .tools/node-v24.* in the repository')
      // Hard-link copies (same filesystem, never written to): the repo's Node 24, and the built CLI
      // in its pnpm layout (relative symlinks into node_modules/.pnpm keep working).
      await execa('cp', ['-al', join(REPO, '.tools', nodeDir), join(root, 'opt/node')])
      const dest = join(root, 'opt/runner-features')
      await mkdir(join(dest, 'node_modules'), { recursive: true })
      await execa('cp', ['-al', join(REPO, 'node_modules/.pnpm'), join(dest, 'node_modules/.pnpm')])
      for (const group of ['packages', 'plugins']) {
        for (const name of readdirSync(join(REPO, group))) {
          const from = join(REPO, group, name)
          await mkdir(join(dest, group, name), { recursive: true })
          for (const entry of ['package.json', 'dist', 'bin', 'oclif.manifest.json', 'node_modules']) {
            if (existsSync(join(from, entry))) await execa('cp', ['-al', join(from, entry), join(dest, group, name, entry)])
          }
        }
      }
    })
    await writeFile(join(root, 'usr/local/bin/runner'), '#!/bin/sh\nexec /opt/node/bin/node /opt/runner-features/packages/cli/bin/run.js "$@"\n', { mode: 0o755 })
    // Every apt-get call is logged, so "the second run does not call apt" is checked, not assumed.
    await writeFile(join(root, 'usr/local/sbin/apt-get'), '#!/bin/sh\necho "apt-get $*" >> /var/log/runner-apt-calls.log\nexec /usr/bin/apt-get "$@"\n', { mode: 0o755 })
    await cp('/etc/resolv.conf', join(root, 'etc/resolv.conf'))
    // Package lists as an image built hours ago has them: stale, so the first install must refresh
    // them exactly once (a just-debootstrapped rootfs would otherwise count as fresh).
    const lists = join(root, 'var/lib/apt/lists')
    await execa('find', [lists, '-maxdepth', '1', '-type', 'f', '-exec', 'touch', '-d', '3 hours ago', '{}', '+'])
    await execa('mount', ['-t', 'proc', 'proc', join(root, 'proc')])
  }, 600_000)

  afterAll(async () => {
    if (work) await cleanupWorkDir(work)
    console.log(`[install-system.root.test] timings (s): ${JSON.stringify(timings)}`)
  }, 120_000)

  test('runner features install common-utils python@system really installs, then is a no-op without apt', async () => {
    const first = await timed('first install', () => runIn(['runner', 'features', 'install', 'common-utils', 'python@system']))
    expect(first.exitCode, first.all).toBe(0)
    console.log(`[install-system.root.test] first run:\n${first.all}`)
    const calls = await aptCalls()
    expect(calls.filter((c) => c.startsWith('apt-get update'))).toHaveLength(1)
    const installs = calls.filter((c) => c.startsWith('apt-get install -y --no-install-recommends'))
    expect(installs, calls.join('\n')).toHaveLength(2)
    expect(installs.some((c) => c.endsWith(' git curl wget jq unzip zip openssh-client sudo ca-certificates gnupg tar xz-utils'))).toBe(true)
    expect(installs.some((c) => c.endsWith(' python3 python3-pip python3-venv'))).toBe(true)
    // The tools really work inside the rootfs.
    for (const [cmd, expected] of [[['git', '--version'], 'git version'], [['jq', '--version'], 'jq-'], [['curl', '--version'], 'curl '], [['ssh', '-V'], 'OpenSSH']] as const) {
      const r = await runIn([...cmd])
      expect(r.all, cmd.join(' ')).toContain(expected)
    }
    const venv = await runIn(['sh', '-c', 'python3 -m venv /tmp/v && /tmp/v/bin/python -m pip --version'])
    expect(venv.exitCode, venv.all).toBe(0)
    expect(venv.all).toMatch(/^pip \d+/m)
    const list = await runIn(['runner', 'features', 'list', '--json'])
    expect(list.all).toContain('"common-utils"')
    expect(list.all).toContain('apt:python3,python3-pip,python3-venv')

    const before = calls.length
    const second = await timed('second install (no-op)', () => runIn(['runner', 'features', 'install', 'common-utils', 'python@system']))
    expect(second.exitCode, second.all).toBe(0)
    console.log(`[install-system.root.test] second run:\n${second.all}`)
    expect(second.all).toMatch(/already/i)
    expect((await aptCalls()).length).toBe(before)
  }, 600_000)

  describe('addRepository against a local signed apt repository', () => {
    let server: Server
    let base: string
    let keys: { good: string; goodFpr: string; otherFpr: string }
    let apt: AptManager

    beforeAll(async () => {
      const site = join(work, 'site')
      const gpgHome = join(work, 'gnupg')
      await mkdir(gpgHome, { mode: 0o700 })
      const gpg = (...args: string[]) => execa('gpg', ['--batch', '--homedir', gpgHome, ...args])
      await gpg('--passphrase', '', '--quick-gen-key', 'RF Test Repo <repo@example.invalid>', 'ed25519', 'sign', 'never')
      await gpg('--passphrase', '', '--quick-gen-key', 'RF Other Key <other@example.invalid>', 'ed25519', 'sign', 'never')
      const fpr = async (uid: string) => /^fpr:+([0-9A-F]{40}):/m.exec((await gpg('--with-colons', '--list-keys', uid)).stdout)![1]!
      keys = { good: (await gpg('--armor', '--export', 'repo@example.invalid')).stdout + '\n', goodFpr: await fpr('repo@example.invalid'), otherFpr: await fpr('other@example.invalid') }

      // A one-package repository: rf-hello_1.0_all.deb, dists/stable/main/binary-amd64, signed twice:
      // by the declared key (/good/) and by another key (/forged/).
      const pkgDir = join(work, 'rf-hello')
      await mkdir(join(pkgDir, 'DEBIAN'), { recursive: true })
      await mkdir(join(pkgDir, 'usr/bin'), { recursive: true })
      await writeFile(join(pkgDir, 'DEBIAN/control'), 'Package: rf-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: runner-features tests <tests@example.invalid>\nDescription: test package from a local signed repository\n')
      await writeFile(join(pkgDir, 'usr/bin/rf-hello'), '#!/bin/sh\necho "rf-hello 1.0 from the signed repo"\n')
      await chmod(join(pkgDir, 'usr/bin/rf-hello'), 0o755)
      for (const [flavor, signer] of [['good', 'repo@example.invalid'], ['forged', 'other@example.invalid']] as const) {
        const dir = join(site, flavor)
        await mkdir(join(dir, 'pool'), { recursive: true })
        await mkdir(join(dir, 'dists/stable/main/binary-amd64'), { recursive: true })
        await execa('dpkg-deb', ['--root-owner-group', '--build', pkgDir, join(dir, 'pool/rf-hello_1.0_all.deb')])
        const packages = await execa('apt-ftparchive', ['packages', 'pool'], { cwd: dir })
        await writeFile(join(dir, 'dists/stable/main/binary-amd64/Packages'), packages.stdout + '\n')
        const release = await execa('apt-ftparchive', ['-o', 'APT::FTPArchive::Release::Suite=stable', '-o', 'APT::FTPArchive::Release::Codename=stable', '-o', 'APT::FTPArchive::Release::Components=main', '-o', 'APT::FTPArchive::Release::Architectures=amd64', 'release', 'dists/stable'], { cwd: dir })
        await writeFile(join(dir, 'dists/stable/Release'), release.stdout + '\n')
        await gpg('--local-user', signer, '--clearsign', '--output', join(dir, 'dists/stable/InRelease'), join(dir, 'dists/stable/Release'))
      }
      await writeFile(join(site, 'key.asc'), keys.good)

      server = createServer((req, res) => {
        const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
        const file = join(site, path)
        if (!file.startsWith(site) || !existsSync(file) || !(req.method === 'GET' || req.method === 'HEAD')) {
          res.writeHead(404).end()
          return
        }
        stat(file).then((s) => {
          if (!s.isFile()) return res.writeHead(404).end()
          res.writeHead(200, { 'content-length': s.size })
          if (req.method === 'HEAD') return res.end()
          createReadStream(file).pipe(res)
        }, () => res.writeHead(404).end())
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

      // The package-manager layer as core uses it, with every process and file operation aimed at
      // the rootfs (chroot for processes, path prefix for files).
      const exec: Exec = async (file, args, options = {}) => {
        const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)
        const r = await execa('chroot', [root, '/usr/bin/env', `PATH=${CHROOT_PATH}`, 'HOME=/root', ...env, file, ...args], { reject: false, input: options.input, stripFinalNewline: false })
        return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }
      }
      const inRoot = (p: string) => join(root, p)
      const fs: PmFs = {
        readFile: (p) => localFs.readFile(inRoot(p)),
        writeFile: (p, data, mode) => localFs.writeFile(inRoot(p), data, mode),
        remove: (p) => localFs.remove(inRoot(p)),
        list: (p) => localFs.list(inRoot(p)),
        mtimeMs: (p) => localFs.mtimeMs(inRoot(p)),
        tempDir: async () => (await mkdtemp(join(root, 'tmp', 'rf-gpg-'))).slice(root.length),
      }
      const platform: Platform = { os: 'linux', arch: 'x64', libc: 'glibc', distro: { id: 'debian', versionId: '12', idLike: [], family: 'debian', codename: 'bookworm' } }
      const deps: PmDeps = {
        exec, fs, platform, uid: 0, now: Date.now,
        http: { text: async (url) => (await fetch(url)).text() },
        which: async (name) => CHROOT_PATH.split(':').map((d) => `${d}/${name}`).find((p) => existsSync(inRoot(p))),
      }
      apt = new AptManager(deps)
    }, 120_000)

    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve))
    })

    const repo = () => ({ name: 'rf-test', url: `${base}/good/`, keyUrl: `${base}/key.asc`, fingerprint: keys.goodFpr, suite: 'stable', components: ['main'] })

    test('keyring + signed-by sources, verified by apt for real, idempotent', async () => {
      await timed('addRepository + install from it', async () => {
        await apt.addRepository(repo())
        expect(await readFile(join(root, 'etc/apt/keyrings/rf-test.asc'), 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK')
        expect(await readFile(join(root, 'etc/apt/sources.list.d/rf-test.sources'), 'utf8')).toContain('Signed-By: /etc/apt/keyrings/rf-test.asc')
        expect(await apt.isInstalled(['rf-hello'])).toBe(false)
        await apt.install(['rf-hello'])
      })
      expect(await apt.isInstalled(['rf-hello'])).toBe(true)
      expect((await runIn(['rf-hello'])).all).toBe('rf-hello 1.0 from the signed repo')

      const mtime = (await stat(join(root, 'etc/apt/sources.list.d/rf-test.sources'))).mtimeMs
      const calls = (await aptCalls()).length
      await apt.addRepository(repo())
      expect((await stat(join(root, 'etc/apt/sources.list.d/rf-test.sources'))).mtimeMs).toBe(mtime)
      await apt.install([]) // nothing to do, nothing run
      expect((await aptCalls()).length).toBe(calls)
    }, 300_000)

    test('a key with another fingerprint: REPOSITORY_KEY_MISMATCH, and nothing is added', async () => {
      await expect(apt.addRepository({ ...repo(), name: 'rf-wrong', fingerprint: keys.otherFpr })).rejects.toMatchObject({ code: 'REPOSITORY_KEY_MISMATCH', where: `${base}/key.asc` })
      expect(existsSync(join(root, 'etc/apt/keyrings/rf-wrong.asc'))).toBe(false)
      expect(existsSync(join(root, 'etc/apt/sources.list.d/rf-wrong.sources'))).toBe(false)
    }, 120_000)

    test('a repository signed by another key than its keyring is refused by apt (signed-by is enforced)', async () => {
      await apt.addRepository({ ...repo(), name: 'rf-forged', url: `${base}/forged/` })
      const err = await apt.install(['rf-hello']).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'PACKAGE_MANAGER_FAILED' })
      expect(String((err as Error).message)).toMatch(/NO_PUBKEY|not signed|signatures couldn't be verified/i)
      await rm(join(root, 'etc/apt/sources.list.d/rf-forged.sources'))
    }, 120_000)
  })
})
