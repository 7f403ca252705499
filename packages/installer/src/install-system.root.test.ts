// Tagged `.root.`: needs root (chroot, mount) and debootstrap. Runs the built CLI inside a real
// Debian bookworm minbase root filesystem and lets it really call apt-get; then exercises
// addRepository against a local signed apt repository (gpg + apt-ftparchive, served on 127.0.0.1).
// Skips, saying why, only when not root or debootstrap is missing. Build first: `pnpm run build`.
import { execa } from 'execa'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Exec, Platform } from '@runner-features/core'
import { AptManager, localFs, type PmDeps, type PmFs } from '@runner-features/package-managers'
import { CHROOT_PATH, prepareRoot, rootfsSkipReason, timer, type TestRoot } from './testing/rootfs.js'
import { buildDeb, publishAptRepo, serveStatic, testGpg } from './testing/signed-apt-repo.js'

const skipReason = rootfsSkipReason()
if (skipReason) console.warn(`[install-system.root.test] SKIPPED: ${skipReason}`)
const { timings, timed } = timer()

let t: TestRoot
let work: string
let root: string
const runIn = (args: string[]) => t.runIn(args)
const aptCalls = () => t.aptCalls()

describe.skipIf(skipReason !== undefined)('inside a real Debian bookworm rootfs', () => {
  beforeAll(async () => {
    t = await prepareRoot(timed)
    ;({ work, root } = t)
  }, 600_000)

  afterAll(async () => {
    if (t) await t.cleanup()
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
    let closeServer: (() => Promise<void>) | undefined
    let base: string
    let keys: { good: string; goodFpr: string; otherFpr: string }
    let apt: AptManager

    beforeAll(async () => {
      const site = join(work, 'site')
      const { gpg, newKey } = await testGpg(join(work, 'gnupg'))
      const good = await newKey('RF Test Repo', 'repo@example.invalid')
      const other = await newKey('RF Other Key', 'other@example.invalid')
      keys = { good: good.armored, goodFpr: good.fingerprint, otherFpr: other.fingerprint }

      // A one-package repository: rf-hello_1.0_all.deb, dists/stable/main/binary-amd64, signed twice:
      // by the declared key (/good/) and by another key (/forged/).
      for (const [flavor, signer] of [['good', good.email], ['forged', other.email]] as const) {
        const dir = join(site, flavor)
        await buildDeb(join(work, 'debs'), join(dir, 'pool'), { name: 'rf-hello', version: '1.0', arch: 'all', files: [{ path: 'usr/bin/rf-hello', content: '#!/bin/sh\necho "rf-hello 1.0 from the signed repo"\n', mode: 0o755 }] })
        await publishAptRepo(dir, { suite: 'stable', component: 'main', arch: 'amd64', gpg, signer })
      }
      await writeFile(join(site, 'key.asc'), keys.good)
      const served = await serveStatic(site)
      closeServer = served.close
      base = served.base

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
      await closeServer?.()
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
