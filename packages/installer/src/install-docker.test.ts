// The docker feature through core's system-install flow, with every command and file write recorded
// by a fake system: the exact apt/dnf/apk sequences (repository, keyring, group, packages), mirror
// rebasing of repository and key URLs, idempotence, and the failures a user can meet.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { Feature, Platform, PluginRef } from '@runner-features/core'
import { fakeSystem, type FakeSystemOptions } from '@runner-features/package-managers'
import docker, { ENGINE_IN_CONTAINER } from '../../../plugins/docker/src/index.js'
import { FeatureHttp } from './http.js'
import { installSystemFeature, type SystemInstallDeps } from './install-system.js'
import type { InstallSettings } from './install-feature.js'

const feature = docker as Feature
const plugin = { name: '@runner-features/docker', version: '0.1.0', dir: '/x', origin: 'bundled', manifest: feature } as PluginRef
const APT_FPR = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88'
const RPM_FPR = '060A61C51B558A7F742B77AAC52FEB6B621E9F35'
const KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBFit2ioBEADhWpZ8/wvZ6hUTiXOwQHXMAlaFHcPH9hAtr4F1y2+OYdbtMuth\n-----END PGP PUBLIC KEY BLOCK-----\n'
const colons = (fpr: string) => `pub:-:4096:1:${fpr.slice(-16)}:1487788586:::-:::scESC::::::23::0:\nfpr:::::::::${fpr}:\n`
const CLIENT = 'docker-ce-cli docker-buildx-plugin docker-compose-plugin'
const APT_INSTALL = 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold'
const DPKG_QUERY = '$ dpkg-query -W -f=${Package}\\t${db:Status-Status}\\n'
const GPG = '$ /usr/bin/gpg --batch --no-tty --homedir /tmp/fake-1 --with-colons --show-keys'
const NEW_GROUP = ['$ getent group docker', '$ getent group 123', '$ groupadd -g 123 docker', '$ id -nG runner', '$ usermod -aG docker runner']

const DEBIAN: Partial<Platform> = { distro: { id: 'debian', versionId: '12', idLike: [], family: 'debian', codename: 'bookworm' } }
const UBUNTU: Partial<Platform> = { distro: { id: 'ubuntu', versionId: '24.04', idLike: ['debian'], family: 'debian', codename: 'noble' }, arch: 'arm64' }
const ROCKY: Partial<Platform> = { distro: { id: 'rocky', versionId: '9.4', idLike: ['rhel', 'centos', 'fedora'], family: 'rhel' } }
const FEDORA: Partial<Platform> = { distro: { id: 'fedora', versionId: '42', idLike: [], family: 'rhel' } }
const ALPINE: Partial<Platform> = { distro: { id: 'alpine', versionId: '3.20.2', idLike: [], family: 'alpine' }, libc: 'musl' }

let dir: string
let settings: InstallSettings
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-docker-'))
  settings = { toolCacheRoot: join(dir, 'tc'), binDir: join(dir, 'bin'), cacheDir: join(dir, 'cache'), stateFile: join(dir, 'tc/.runner-features/state.json'), env: {} }
})
afterEach(() => rm(dir, { recursive: true, force: true }))

interface HarnessOptions {
  platform: Partial<Platform>
  /** Packages present before the run (every query answers "installed"). */
  installed?: boolean
  /** `getent group docker` answer; undefined = no such group. */
  dockerGroup?: string
  /** Another group holding gid 123. */
  gid123?: string
  userGroups?: string
  keyFpr?: string
  mirror?: string
  engine?: boolean
  inContainer?: boolean
  http?: Record<string, string>
  onPath?: FakeSystemOptions['onPath']
}

function harness(o: HarnessOptions) {
  const sys = fakeSystem({
    platform: o.platform,
    onPath: o.onPath,
    http: o.http ?? { [`https://download.docker.com/linux/${o.platform.distro!.id === 'rocky' ? 'centos' : o.platform.distro!.id}/gpg`]: KEY },
    respond: (c) => {
      if (/^(dpkg-query|rpm -q|apk info)/.test(c)) return o.installed ? { exitCode: 0, stdout: c.startsWith('dpkg') ? CLIENT.split(' ').map((p) => `${p}\tinstalled\n`).join('') : c.startsWith('apk') ? 'docker-cli\ndocker-cli-buildx\ndocker-cli-compose\n' : '' } : { exitCode: 1, stdout: '' }
      if (/gpg --batch .*--show-keys$/.test(c)) return { stdout: colons(o.keyFpr ?? (o.platform.distro!.family === 'rhel' ? RPM_FPR : APT_FPR)) }
      if (c === 'getent group docker') return o.dockerGroup ? { stdout: `${o.dockerGroup}\n` } : { exitCode: 2 }
      if (c === 'getent group 123') return o.gid123 ? { stdout: `${o.gid123}\n` } : { exitCode: 2 }
      if (c.startsWith('id -nG')) return { stdout: `${o.userGroups ?? 'runner'}\n` }
      return undefined
    },
  })
  const smoke: string[] = []
  const logs: string[] = []
  const deps: SystemInstallDeps = {
    pm: sys.deps,
    which: async (name) => `/usr/bin/${name}`,
    runnerUser: async () => 'runner',
    inContainer: () => o.inContainer ?? false,
    exec: async (file, args) => {
      smoke.push([file, ...args].join(' '))
      const out: Record<string, string> = { '--version': 'Docker version 28.0.4, build b8034c0', buildx: 'github.com/docker/buildx v0.22.0 18ccba0', compose: 'Docker Compose version v2.34.0' }
      return { exitCode: 0, stdout: out[args[0]!] ?? '', stderr: '' }
    },
  }
  const logger = { info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`), debug() {} }
  const platform = sys.deps.platform
  const http = new FeatureHttp({ upstream: feature.upstream, mirror: o.mirror, logger })
  const ctx = { platform, http, exec: deps.exec, logger, signal: new AbortController().signal, options: { engine: o.engine ?? false } }
  return { sys, smoke, logs, run: () => installSystemFeature({ feature, plugin, version: { version: 'system' }, platform, ctx, http }, settings, deps) }
}

describe('the exact commands per package manager', () => {
  test.each([
    {
      name: 'apt, Debian 12, CLI only',
      platform: DEBIAN,
      engine: false,
      log: [
        `${DPKG_QUERY} ${CLIENT}`, GPG, 'rm /tmp/fake-1', 'write /etc/apt/keyrings/docker.asc (644)', 'write /etc/apt/sources.list.d/docker.sources (644)', ...NEW_GROUP,
        '$ DEBIAN_FRONTEND=noninteractive apt-get update', 'write /var/lib/apt/periodic/update-success-stamp (644)', `$ ${APT_INSTALL} ${CLIENT}`,
      ],
      files: {
        '/etc/apt/sources.list.d/docker.sources': 'Types: deb\nURIs: https://download.docker.com/linux/debian\nSuites: bookworm\nComponents: stable\nArchitectures: amd64\nSigned-By: /etc/apt/keyrings/docker.asc\n',
        '/etc/apt/keyrings/docker.asc': KEY,
      },
    },
    {
      name: 'apt, Ubuntu 24.04 arm64, with the engine',
      platform: UBUNTU,
      engine: true,
      log: [
        `${DPKG_QUERY} ${CLIENT} docker-ce containerd.io`, GPG, 'rm /tmp/fake-1', 'write /etc/apt/keyrings/docker.asc (644)', 'write /etc/apt/sources.list.d/docker.sources (644)', ...NEW_GROUP,
        '$ DEBIAN_FRONTEND=noninteractive apt-get update', 'write /var/lib/apt/periodic/update-success-stamp (644)', `$ ${APT_INSTALL} ${CLIENT} docker-ce containerd.io`,
      ],
      files: { '/etc/apt/sources.list.d/docker.sources': 'Types: deb\nURIs: https://download.docker.com/linux/ubuntu\nSuites: noble\nComponents: stable\nArchitectures: arm64\nSigned-By: /etc/apt/keyrings/docker.asc\n' },
    },
    {
      name: 'dnf, Rocky 9 (Docker\'s centos tree), CLI only',
      platform: ROCKY,
      engine: false,
      log: [
        `$ rpm -q --whatprovides ${CLIENT}`, GPG, 'rm /tmp/fake-1', 'write /etc/pki/rpm-gpg/RPM-GPG-KEY-docker-ce-stable (644)', 'write /etc/yum.repos.d/docker-ce-stable.repo (644)', ...NEW_GROUP,
        `$ dnf install -y --setopt=install_weak_deps=False ${CLIENT}`,
      ],
      files: {
        '/etc/yum.repos.d/docker-ce-stable.repo': '[docker-ce-stable]\nname=docker-ce-stable\nbaseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable\nenabled=1\ngpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-docker-ce-stable\n',
      },
    },
    {
      name: 'dnf, Fedora 42, with the engine',
      platform: FEDORA,
      engine: true,
      log: [
        `$ rpm -q --whatprovides ${CLIENT} docker-ce containerd.io`, GPG, 'rm /tmp/fake-1', 'write /etc/pki/rpm-gpg/RPM-GPG-KEY-docker-ce-stable (644)', 'write /etc/yum.repos.d/docker-ce-stable.repo (644)', ...NEW_GROUP,
        `$ dnf install -y --setopt=install_weak_deps=False ${CLIENT} docker-ce containerd.io`,
      ],
      files: {
        '/etc/yum.repos.d/docker-ce-stable.repo': '[docker-ce-stable]\nname=docker-ce-stable\nbaseurl=https://download.docker.com/linux/fedora/$releasever/$basearch/stable\nenabled=1\ngpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-docker-ce-stable\n',
      },
    },
    {
      name: 'apk, Alpine 3.20 (community packages, no repository), shadow tools present',
      platform: ALPINE,
      engine: true,
      log: ['$ apk info -e docker-cli docker-cli-buildx docker-cli-compose docker', ...NEW_GROUP, '$ apk update', '$ apk add --no-progress docker-cli docker-cli-buildx docker-cli-compose docker'],
      files: {},
    },
    {
      name: 'apk, Alpine 3.20 with busybox only: addgroup',
      platform: ALPINE,
      engine: false,
      onPath: ['apk', 'gpg'],
      log: ['$ apk info -e docker-cli docker-cli-buildx docker-cli-compose', '$ getent group docker', '$ getent group 123', '$ addgroup -g 123 docker', '$ id -nG runner', '$ addgroup runner docker', '$ apk update', '$ apk add --no-progress docker-cli docker-cli-buildx docker-cli-compose'],
      files: {},
    },
  ])('$name', async ({ platform, engine, log, files, onPath }) => {
    const h = harness({ platform, engine, onPath })
    const outcome = await h.run()
    expect(h.sys.log).toEqual(log)
    for (const [path, text] of Object.entries(files)) expect(h.sys.files.get(path)?.data, path).toBe(text)
    expect(h.smoke).toEqual(['docker --version', 'docker buildx version', 'docker compose version'])
    expect(outcome).toMatchObject({ status: 'installed', record: { id: 'docker', version: 'system', path: '/usr/bin' } })
    expect(h.logs).toContain('info docker: created group docker (gid 123)')
    expect(h.logs).toContain('info docker: added runner to group docker (applies to new logins: restart the runner service)')
  })
})

test('a second run: packages and membership found, so no repository, apt or group command runs', async () => {
  const h = harness({ platform: DEBIAN, installed: true, dockerGroup: 'docker:x:123:runner', userGroups: 'runner docker' })
  expect((await h.run()).status).toBe('already-installed')
  expect(h.sys.log).toEqual([`${DPKG_QUERY} ${CLIENT}`, '$ getent group docker', '$ id -nG runner'])
  expect(h.smoke).toEqual([])
})

test('mirror: repository and key URLs are rebased onto it; a re-signing mirror declares its key', async () => {
  const mirror = 'https://artifacts.example.com/docker/'
  const fpr = 'F5C4BB71FD7EE723F75C89BE82E1935486F5D76C'
  settings.env = { RUNNER_FEATURES_MIRROR_DOCKER_KEY_FINGERPRINT: 'F5C4 BB71 FD7E E723 F75C  89BE 82E1 9354 86F5 D76C' }
  const h = harness({ platform: DEBIAN, mirror, keyFpr: fpr, http: { [`${mirror}linux/debian/gpg`]: KEY } })
  await h.run()
  expect(h.sys.files.get('/etc/apt/sources.list.d/docker.sources')?.data).toContain(`URIs: ${mirror}linux/debian\n`)
})

test('mirror without its own key: Docker\'s fingerprint is still required', async () => {
  const mirror = 'https://artifacts.example.com/docker/'
  const h = harness({ platform: DEBIAN, mirror, keyFpr: 'F5C4BB71FD7EE723F75C89BE82E1935486F5D76C', http: { [`${mirror}linux/debian/gpg`]: KEY } })
  await expect(h.run()).rejects.toMatchObject({ code: 'REPOSITORY_KEY_MISMATCH', where: `${mirror}linux/debian/gpg` })
})

test('a key fingerprint override without a mirror is refused before anything runs', async () => {
  settings.env = { RUNNER_FEATURES_MIRROR_DOCKER_KEY_FINGERPRINT: 'F5C4BB71FD7EE723F75C89BE82E1935486F5D76C' }
  const h = harness({ platform: DEBIAN })
  await expect(h.run()).rejects.toMatchObject({ code: 'INVALID_MIRROR', where: 'RUNNER_FEATURES_MIRROR_DOCKER_KEY_FINGERPRINT', hint: expect.stringContaining('RUNNER_FEATURES_MIRROR_DOCKER') })
  expect(h.sys.log).toEqual([])
})

test('the key upstream serves has another fingerprint: REPOSITORY_KEY_MISMATCH; no file, group or package', async () => {
  const h = harness({ platform: DEBIAN, keyFpr: 'F5C4BB71FD7EE723F75C89BE82E1935486F5D76C' })
  await expect(h.run()).rejects.toMatchObject({ code: 'REPOSITORY_KEY_MISMATCH', where: 'https://download.docker.com/linux/debian/gpg', message: expect.stringContaining(`expected ${APT_FPR}`) })
  expect(h.sys.log).toEqual([`${DPKG_QUERY} ${CLIENT}`, GPG, 'rm /tmp/fake-1'])
})

test('an existing docker group with another gid is kept, with a warning; the user still joins', async () => {
  const h = harness({ platform: DEBIAN, dockerGroup: 'docker:x:999:' })
  await h.run()
  expect(h.sys.log).not.toContain('$ groupadd -g 123 docker')
  expect(h.sys.log).toContain('$ usermod -aG docker runner')
  expect(h.logs).toContainEqual(expect.stringMatching(/^warn docker: group docker already exists with gid 999, not 123/))
})

test('gid 123 taken by another group: docker gets a system gid and a warning', async () => {
  const h = harness({ platform: DEBIAN, gid123: 'systemd-coredump:x:123:' })
  await h.run()
  expect(h.sys.log).toContain('$ groupadd -r docker')
  expect(h.logs).toContainEqual(expect.stringMatching(/^warn docker: gid 123 belongs to group systemd-coredump/))
})

test('groupadd failing: GROUP_SETUP_FAILED naming the command, before any package is installed', async () => {
  const h = harness({ platform: DEBIAN })
  const respond = h.sys.deps.exec
  h.sys.deps.exec = async (file, args, opts) => (file === 'groupadd' ? (h.sys.log.push(`$ groupadd ${args.join(' ')}`), { exitCode: 10, stdout: '', stderr: 'groupadd: cannot lock /etc/group; try again later.' }) : respond(file, args, opts))
  await expect(h.run()).rejects.toMatchObject({ code: 'GROUP_SETUP_FAILED', where: 'groupadd -g 123 docker', message: expect.stringContaining('cannot lock /etc/group') })
  expect(h.sys.log.some((l) => l.includes('apt-get install'))).toBe(false)
})

test.each([
  [true, true, [`warn docker: ${ENGINE_IN_CONTAINER}`]],
  [true, false, []],
  [false, true, []],
])('engine %s inside a container %s: warnings %j', async (engine, inContainer, expected) => {
  const h = harness({ platform: DEBIAN, engine, inContainer })
  await h.run()
  expect(h.logs.filter((l) => l.startsWith('warn'))).toEqual(expected)
})
