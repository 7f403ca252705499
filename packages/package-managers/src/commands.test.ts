import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { windowsPlatform, type PackageManager, type Platform, type RepositorySpec } from '@runner-features/core'
import { AptManager } from './apt.js'
import { ApkManager } from './apk.js'
import { ChocoManager } from './choco.js'
import { DnfManager } from './dnf.js'
import { apkKeyFingerprint } from './keys.js'
import { fakeSystem, type FakeSystemOptions } from './testing.js'
import type { PmDeps } from './deps.js'

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')
const KEY = fixture('repo-key.asc')
const KEY_COLONS = fixture('repo-key.colons')
const FPR = 'F5C4BB71FD7EE723F75C89BE82E1935486F5D76C'
const NOW = 1_750_000_000_000
const FRESH_LISTS = { '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease': '', '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages': '', '/var/lib/apt/lists/lock': '' }
const STALE = Object.fromEntries(Object.keys(FRESH_LISTS).map((k) => [k, NOW - 2 * 3600_000]))
const APT_INSTALL = 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold'
const GPG_SHOW = '/usr/bin/gpg --batch --no-tty --homedir /tmp/fake-1 --with-colons --show-keys'

const RHEL: Partial<Platform> = { distro: { id: 'rocky', versionId: '9.3', idLike: ['rhel', 'centos', 'fedora'], family: 'rhel' } }
const WINDOWS: Partial<Platform> = windowsPlatform('x64', '10.0.20348')
const ALPINE: Partial<Platform> = { distro: { id: 'alpine', versionId: '3.20.2', idLike: [], family: 'alpine' }, libc: 'musl' }

const gpgAnswers = (command: string) => (/gpg --batch .*--show-keys$/.test(command) ? { stdout: KEY_COLONS } : undefined)

type Make = (deps: PmDeps) => PackageManager
const apt: Make = (d) => new AptManager(d)
const dnf: Make = (d) => new DnfManager(d, 'dnf')
const yum: Make = (d) => new DnfManager(d, 'yum')
const apk: Make = (d) => new ApkManager(d)
const choco: Make = (d) => new ChocoManager(d)

interface Case {
  name: string
  make: Make
  options?: FakeSystemOptions
  run: (pm: PackageManager) => Promise<unknown>
  /** Exact commands and file changes, in order. */
  log: string[]
  result?: unknown
}

const DOCKER_REPO: RepositorySpec = { name: 'fixture', url: 'https://repo.example/debian', keyUrl: 'https://repo.example/key.asc', fingerprint: FPR.replace(/(.{4})/g, '$1 ').trim(), suite: 'bookworm', components: ['stable'] }

const cases: Case[] = [
  // apt
  { name: 'apt isInstalled: all present', make: apt, options: { respond: (c) => (c.startsWith('dpkg-query') ? { stdout: 'git\tinstalled\ncurl\tinstalled\n' } : undefined) }, run: (pm) => pm.isInstalled(['git', 'curl']), log: ['$ dpkg-query -W -f=${Package}\\t${db:Status-Status}\\n git curl'], result: true },
  { name: 'apt isInstalled: one missing (dpkg-query exits 1)', make: apt, options: { respond: (c) => (c.startsWith('dpkg-query') ? { exitCode: 1, stdout: 'git\tinstalled\n', stderr: 'dpkg-query: no packages found matching jq\n' } : undefined) }, run: (pm) => pm.isInstalled(['git', 'jq']), log: ['$ dpkg-query -W -f=${Package}\\t${db:Status-Status}\\n git jq'], result: false },
  { name: 'apt isInstalled: removed but config left (config-files) is not installed', make: apt, options: { respond: () => ({ stdout: 'jq\tconfig-files\n' }) }, run: (pm) => pm.isInstalled(['jq']), log: ['$ dpkg-query -W -f=${Package}\\t${db:Status-Status}\\n jq'], result: false },
  { name: 'apt install: no lists yet → one update, then install', make: apt, run: (pm) => pm.install(['git', 'jq']), log: ['$ DEBIAN_FRONTEND=noninteractive apt-get update', 'write /var/lib/apt/periodic/update-success-stamp (644)', `$ ${APT_INSTALL} git jq`] },
  { name: 'apt install: fresh lists → no update', make: apt, options: { files: FRESH_LISTS }, run: (pm) => pm.install(['jq']), log: [`$ ${APT_INSTALL} jq`] },
  { name: 'apt install: old lists but a fresh update stamp (an update that found nothing new) → no update', make: apt, options: { files: { ...FRESH_LISTS, '/var/lib/apt/periodic/update-success-stamp': '' }, mtimes: STALE }, run: (pm) => pm.install(['jq']), log: [`$ ${APT_INSTALL} jq`] },
  { name: 'apt install: lists two hours old → update', make: apt, options: { files: FRESH_LISTS, mtimes: STALE }, run: (pm) => pm.install(['jq']), log: ['$ DEBIAN_FRONTEND=noninteractive apt-get update', 'write /var/lib/apt/periodic/update-success-stamp (644)', `$ ${APT_INSTALL} jq`] },
  { name: 'apt install twice in one run → one update', make: apt, run: async (pm) => { await pm.install(['git']); await pm.install(['jq']) }, log: ['$ DEBIAN_FRONTEND=noninteractive apt-get update', 'write /var/lib/apt/periodic/update-success-stamp (644)', `$ ${APT_INSTALL} git`, `$ ${APT_INSTALL} jq`] },
  { name: 'apt install: nothing asked → nothing run', make: apt, run: (pm) => pm.install([]), log: [] },
  { name: 'apt install as uid 1001 with sudo → sudo -n env …', make: apt, options: { uid: 1001 }, run: (pm) => pm.install(['jq']), log: ['$ sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update', 'write /var/lib/apt/periodic/update-success-stamp (644)', `$ sudo -n env ${APT_INSTALL} jq`] },
  { name: 'apt remove', make: apt, run: (pm) => pm.remove(['jq']), log: ['$ DEBIAN_FRONTEND=noninteractive apt-get remove -y jq'] },
  { name: 'apt clean: apt-get clean + rm -rf /var/lib/apt/lists/*', make: apt, options: { files: FRESH_LISTS }, run: (pm) => pm.clean(), log: ['$ DEBIAN_FRONTEND=noninteractive apt-get clean', 'rm /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease', 'rm /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages', 'rm /var/lib/apt/lists/lock'] },
  {
    name: 'apt addRepository: key checked with gpg, keyring + deb822 sources written, next install refreshes',
    make: apt,
    options: { files: FRESH_LISTS, http: { [DOCKER_REPO.keyUrl]: KEY }, respond: gpgAnswers },
    run: async (pm) => { await pm.addRepository(DOCKER_REPO); await pm.install(['fixture-tool']) },
    log: [`$ ${GPG_SHOW}`, 'rm /tmp/fake-1', 'write /etc/apt/keyrings/fixture.asc (644)', 'write /etc/apt/sources.list.d/fixture.sources (644)', '$ DEBIAN_FRONTEND=noninteractive apt-get update', 'write /var/lib/apt/periodic/update-success-stamp (644)', `$ ${APT_INSTALL} fixture-tool`],
  },
  {
    name: 'apt addRepository: already there → nothing written, no refresh',
    make: apt,
    options: {
      files: { ...FRESH_LISTS, '/etc/apt/keyrings/fixture.asc': KEY, '/etc/apt/sources.list.d/fixture.sources': 'Types: deb\nURIs: https://repo.example/debian\nSuites: bookworm\nComponents: stable\nArchitectures: amd64\nSigned-By: /etc/apt/keyrings/fixture.asc\n' },
      http: { [DOCKER_REPO.keyUrl]: KEY },
      respond: gpgAnswers,
    },
    run: async (pm) => { await pm.addRepository(DOCKER_REPO); await pm.install(['fixture-tool']) },
    log: [`$ ${GPG_SHOW}`, 'rm /tmp/fake-1', `$ ${APT_INSTALL} fixture-tool`],
  },
  {
    name: 'apt addRepository without gpg installs gpg first',
    make: apt,
    options: { files: FRESH_LISTS, onPath: ['dpkg-query', 'apt-get'], http: { [DOCKER_REPO.keyUrl]: KEY }, respond: (c) => (c.startsWith('gpg ') ? { stdout: KEY_COLONS } : undefined) },
    run: (pm) => pm.addRepository(DOCKER_REPO),
    log: [`$ ${APT_INSTALL} gpg`, '$ gpg --batch --no-tty --homedir /tmp/fake-1 --with-colons --show-keys', 'rm /tmp/fake-1', 'write /etc/apt/keyrings/fixture.asc (644)', 'write /etc/apt/sources.list.d/fixture.sources (644)'],
  },
  // dnf / yum
  { name: 'dnf isInstalled via rpm -q --whatprovides (curl-minimal counts)', make: dnf, options: { platform: RHEL }, run: (pm) => pm.isInstalled(['curl', 'git']), log: ['$ rpm -q --whatprovides curl git'], result: true },
  { name: 'dnf isInstalled: missing → false', make: dnf, options: { platform: RHEL, respond: () => ({ exitCode: 1, stdout: 'no package provides jq\n' }) }, run: (pm) => pm.isInstalled(['jq']), log: ['$ rpm -q --whatprovides jq'], result: false },
  { name: 'dnf install: no weak deps, -y', make: dnf, options: { platform: RHEL }, run: (pm) => pm.install(['git', 'jq']), log: ['$ dnf install -y --setopt=install_weak_deps=False git jq'] },
  { name: 'dnf install as uid 1001', make: dnf, options: { platform: RHEL, uid: 1001 }, run: (pm) => pm.install(['jq']), log: ['$ sudo -n dnf install -y --setopt=install_weak_deps=False jq'] },
  { name: 'yum install (Amazon Linux 2: no dnf)', make: yum, options: { platform: RHEL }, run: (pm) => pm.install(['jq']), log: ['$ yum install -y jq'] },
  { name: 'dnf remove', make: dnf, options: { platform: RHEL }, run: (pm) => pm.remove(['jq']), log: ['$ dnf remove -y jq'] },
  { name: 'dnf clean all', make: dnf, options: { platform: RHEL }, run: (pm) => pm.clean(), log: ['$ dnf clean all'] },
  { name: 'yum clean all', make: yum, options: { platform: RHEL }, run: (pm) => pm.clean(), log: ['$ yum clean all'] },
  {
    name: 'dnf addRepository: RPM-GPG-KEY file + .repo with gpgkey, idempotent',
    make: dnf,
    options: { platform: RHEL, http: { [DOCKER_REPO.keyUrl]: KEY }, respond: gpgAnswers },
    run: async (pm) => { await pm.addRepository({ ...DOCKER_REPO, url: 'https://repo.example/rhel/9/$basearch' }); await pm.addRepository({ ...DOCKER_REPO, url: 'https://repo.example/rhel/9/$basearch' }) },
    log: [`$ ${GPG_SHOW}`, 'rm /tmp/fake-1', 'write /etc/pki/rpm-gpg/RPM-GPG-KEY-fixture (644)', 'write /etc/yum.repos.d/fixture.repo (644)', '$ /usr/bin/gpg --batch --no-tty --homedir /tmp/fake-2 --with-colons --show-keys', 'rm /tmp/fake-2'],
  },
  // apk
  { name: 'apk isInstalled', make: apk, options: { platform: ALPINE, respond: () => ({ stdout: 'git\ncurl\n' }) }, run: (pm) => pm.isInstalled(['git', 'curl']), log: ['$ apk info -e git curl'], result: true },
  { name: 'apk isInstalled: missing', make: apk, options: { platform: ALPINE, respond: () => ({ exitCode: 1, stdout: 'git\n' }) }, run: (pm) => pm.isInstalled(['git', 'jq']), log: ['$ apk info -e git jq'], result: false },
  { name: 'apk install: no index → apk update once', make: apk, options: { platform: ALPINE }, run: async (pm) => { await pm.install(['git']); await pm.install(['jq']) }, log: ['$ apk update', '$ apk add --no-progress git', '$ apk add --no-progress jq'] },
  { name: 'apk install: fresh index → no update', make: apk, options: { platform: ALPINE, files: { '/var/cache/apk/APKINDEX.5022a8a2.tar.gz': '' } }, run: (pm) => pm.install(['jq']), log: ['$ apk add --no-progress jq'] },
  { name: 'apk remove', make: apk, options: { platform: ALPINE }, run: (pm) => pm.remove(['jq']), log: ['$ apk del --no-progress jq'] },
  { name: 'apk clean: cache clean (no cache configured is fine) + index removed', make: apk, options: { platform: ALPINE, files: { '/var/cache/apk/APKINDEX.5022a8a2.tar.gz': '' }, respond: (c) => (c === 'apk cache clean' ? { exitCode: 1, stderr: 'ERROR: Package cache is not enabled.\n' } : undefined) }, run: (pm) => pm.clean(), log: ['$ apk cache clean', 'rm /var/cache/apk/APKINDEX.5022a8a2.tar.gz'] },
  // choco (Windows): commands only, recorded through the fake exec; no Windows machine runs here
  { name: 'choco isInstalled: one list per package, stops at the first missing', make: choco, options: { platform: WINDOWS, respond: (c) => ({ stdout: c.endsWith(' git') ? 'git|2.46.0\r\n' : '' }) }, run: (pm) => pm.isInstalled(['git', 'jq', 'curl']), log: ['$ choco list --exact --limit-output git', '$ choco list --exact --limit-output jq'], result: false },
  { name: 'choco isInstalled: ids compare case-insensitively', make: choco, options: { platform: WINDOWS, respond: () => ({ stdout: 'git|2.46.0\r\n' }) }, run: (pm) => pm.isInstalled(['Git']), log: ['$ choco list --exact --limit-output Git'], result: true },
  { name: 'choco isInstalled: another id that starts with the name is not a match', make: choco, options: { platform: WINDOWS, respond: () => ({ stdout: 'jq.portable|1.7.1\r\n' }) }, run: (pm) => pm.isInstalled(['jq']), log: ['$ choco list --exact --limit-output jq'], result: false },
  { name: 'choco install (no sudo on Windows, even as a non-zero uid)', make: choco, options: { platform: WINDOWS, uid: 1001, onPath: [] }, run: (pm) => pm.install(['git', 'jq']), log: ['$ choco install -y --no-progress git jq'] },
  { name: 'choco install: nothing asked → nothing run', make: choco, options: { platform: WINDOWS }, run: (pm) => pm.install([]), log: [] },
  { name: 'choco addRepository = source add', make: choco, options: { platform: WINDOWS }, run: (pm) => pm.addRepository({ ...DOCKER_REPO, name: 'internal', url: 'https://nuget.example/v2' }), log: ['$ choco source add --name=internal --source=https://nuget.example/v2'] },
  { name: 'choco remove', make: choco, options: { platform: WINDOWS }, run: (pm) => pm.remove(['jq']), log: ['$ choco uninstall -y jq'] },
  { name: 'choco clean', make: choco, options: { platform: WINDOWS }, run: (pm) => pm.clean(), log: ['$ choco cache remove -y'] },
]

test.each(cases)('$name', async ({ make, options, run, log, result }) => {
  const sys = fakeSystem({ now: NOW, ...options })
  const value = await run(make(sys.deps))
  expect(sys.log).toEqual(log)
  if (result !== undefined) expect(value).toBe(result)
})

describe('failures', () => {
  test.each([
    ['apt', apt, 'apt-get install jq'],
    ['dnf', dnf, 'dnf install -y --setopt=install_weak_deps=False jq'],
    ['apk', apk, 'apk add jq'],
  ] as const)('%s as uid 1001 without sudo: NEEDS_ROOT before anything runs', async (_, make, what) => {
    const sys = fakeSystem({ uid: 1001, onPath: ['apt-get', 'dnf', 'apk'] })
    await expect(make(sys.deps).install(['jq'])).rejects.toMatchObject({ code: 'NEEDS_ROOT', where: what })
    expect(sys.log).toEqual([])
  })

  test('sudo asking for a password is NEEDS_ROOT with a NOPASSWD hint', async () => {
    const sys = fakeSystem({ uid: 1001, files: FRESH_LISTS, respond: () => ({ exitCode: 1, stderr: 'sudo: a password is required\n' }) })
    await expect(new AptManager(sys.deps).install(['jq'])).rejects.toMatchObject({ code: 'NEEDS_ROOT', hint: expect.stringMatching(/NOPASSWD/) })
  })

  test('a failing choco install is PACKAGE_MANAGER_FAILED quoting its last lines, with an elevation hint', async () => {
    const sys = fakeSystem({ platform: WINDOWS, respond: () => ({ exitCode: 1, stdout: 'Chocolatey v2.4.1\r\nnosuchpkg not installed. The package was not found with the source(s) listed.\r\n' }) })
    const err = await new ChocoManager(sys.deps).install(['nosuchpkg']).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'PACKAGE_MANAGER_FAILED', message: expect.stringContaining('The package was not found') as unknown, where: 'choco install -y --no-progress nosuchpkg', hint: expect.stringMatching(/elevated/) })
  })

  test('a failing apt-get is PACKAGE_MANAGER_FAILED quoting its last lines', async () => {
    const sys = fakeSystem({ files: FRESH_LISTS, respond: (c) => (c.includes('install') ? { exitCode: 100, stdout: 'Reading package lists...\n', stderr: 'E: Unable to locate package nosuchpkg\n' } : undefined) })
    const err = await new AptManager(sys.deps).install(['nosuchpkg']).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'PACKAGE_MANAGER_FAILED', message: expect.stringContaining('E: Unable to locate package nosuchpkg') as unknown, where: `${APT_INSTALL} nosuchpkg` })
  })

  test.each([
    ['apt', apt, {}],
    ['dnf', dnf, RHEL],
  ] as const)('%s: a key with another fingerprint is REPOSITORY_KEY_MISMATCH and nothing is written', async (_, make, platform) => {
    const sys = fakeSystem({ platform, http: { [DOCKER_REPO.keyUrl]: KEY }, respond: gpgAnswers })
    const wrong = { ...DOCKER_REPO, fingerprint: '9DC858229FC7DD38854AE2D88D81803C0EBFCD88' }
    await expect(make(sys.deps).addRepository(wrong)).rejects.toMatchObject({ code: 'REPOSITORY_KEY_MISMATCH', where: DOCKER_REPO.keyUrl, message: expect.stringContaining(FPR) as unknown })
    expect(sys.log.filter((l) => l.startsWith('write'))).toEqual([])
  })

  test('a non-armored key is refused before gpg runs', async () => {
    const sys = fakeSystem({ http: { [DOCKER_REPO.keyUrl]: '<html>404</html>' } })
    await expect(new AptManager(sys.deps).addRepository(DOCKER_REPO)).rejects.toMatchObject({ code: 'REPOSITORY_KEY_MISMATCH' })
    expect(sys.log).toEqual([])
  })
})

describe('apk repository keys', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const repo: RepositorySpec = { name: 'fixture', url: 'https://repo.example/alpine/v3.20/main', keyUrl: 'https://repo.example/keys/fixture-6651a2b1.rsa.pub', fingerprint: apkKeyFingerprint(pem) }

  test('key kept under its upstream name, URL appended once, next install refreshes', async () => {
    const sys = fakeSystem({ platform: ALPINE, files: { '/etc/apk/repositories': 'https://dl-cdn.alpinelinux.org/alpine/v3.20/main\n', '/var/cache/apk/APKINDEX.1.tar.gz': '' }, http: { [repo.keyUrl]: pem } })
    const pm = new ApkManager(sys.deps)
    await pm.addRepository(repo)
    await pm.addRepository(repo)
    await pm.install(['fixture-tool'])
    expect(sys.log).toEqual(['write /etc/apk/keys/fixture-6651a2b1.rsa.pub (644)', 'write /etc/apk/repositories (644)', '$ apk update', '$ apk add --no-progress fixture-tool'])
    expect(sys.files.get('/etc/apk/repositories')?.data).toBe(`https://dl-cdn.alpinelinux.org/alpine/v3.20/main\n${repo.url}\n`)
  })

  test('another key is REPOSITORY_KEY_MISMATCH', async () => {
    const sys = fakeSystem({ platform: ALPINE, http: { [repo.keyUrl]: pem } })
    await expect(new ApkManager(sys.deps).addRepository({ ...repo, fingerprint: 'A'.repeat(40) })).rejects.toMatchObject({ code: 'REPOSITORY_KEY_MISMATCH' })
    expect(sys.log).toEqual([])
  })
})

test('the apt sources file, exactly', async () => {
  const sys = fakeSystem({ platform: { arch: 'arm64' }, http: { [DOCKER_REPO.keyUrl]: KEY }, respond: gpgAnswers })
  await new AptManager(sys.deps).addRepository({ ...DOCKER_REPO, suite: undefined, components: undefined })
  expect(sys.files.get('/etc/apt/sources.list.d/fixture.sources')?.data).toBe(
    'Types: deb\nURIs: https://repo.example/debian\nSuites: bookworm\nComponents: main\nArchitectures: arm64\nSigned-By: /etc/apt/keyrings/fixture.asc\n',
  )
  expect(sys.files.get('/etc/apt/keyrings/fixture.asc')?.data).toBe(KEY)
})
