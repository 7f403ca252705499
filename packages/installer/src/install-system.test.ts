import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import type { Feature, PluginRef } from '@runner-features/core'
import { fakeSystem } from '@runner-features/package-managers'
import commonUtils from '../../../plugins/common-utils/src/index.js'
import { installSystemFeature, type SystemInstallDeps } from './install-system.js'
import type { InstallSettings } from './install-feature.js'

let dir: string
let settings: InstallSettings
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-system-'))
  settings = { toolCacheRoot: join(dir, 'tc'), binDir: join(dir, 'bin'), cacheDir: join(dir, 'cache'), stateFile: join(dir, 'tc/.runner-features/state.json'), env: {} }
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const feature = commonUtils as Feature
const plugin = { name: '@runner-features/common-utils', version: '0.1.0', dir: '/x', origin: 'bundled', manifest: feature } as PluginRef
const DEBIAN = 'git curl wget jq unzip zip openssh-client sudo ca-certificates gnupg tar xz-utils'

function harness(installed: boolean) {
  const sys = fakeSystem({
    respond: (c) => {
      if (c.startsWith('dpkg-query')) return { stdout: installed ? DEBIAN.split(' ').map((p) => `${p}\tinstalled\n`).join('') : '', exitCode: installed ? 0 : 1 }
      return undefined
    },
  })
  const smoke: string[] = []
  const deps: SystemInstallDeps = {
    pm: sys.deps,
    which: async (name) => `/usr/bin/${name}`,
    runnerUser: async () => 'runner',
    inContainer: () => false,
    exec: async (file, args) => {
      smoke.push([file, ...args].join(' '))
      const out: Record<string, string> = { git: 'git version 2.39.5', curl: 'curl 7.88.1', jq: 'jq-1.6', ssh: 'OpenSSH_9.2p1', gpg: 'gpg (GnuPG) 2.2.40', xz: 'xz (XZ Utils) 5.4.1', unzip: 'UnZip 6.00' }
      return { exitCode: 0, stdout: out[file] ?? '', stderr: '' }
    },
  }
  const target = { feature, plugin, version: { version: 'system' }, platform: sys.deps.platform, ctx: { platform: sys.deps.platform, http: undefined as never, exec: deps.exec, logger: { info() {}, warn() {}, debug() {} }, signal: new AbortController().signal }, http: undefined as never }
  return { sys, smoke, deps, target }
}

test('missing packages: one apt-get update + install, smoke tests, state with apt:<pkgs>', async () => {
  const h = harness(false)
  const outcome = await installSystemFeature(h.target, settings, h.deps)
  expect(h.sys.log).toEqual([
    `$ dpkg-query -W -f=\${Package}\\t\${db:Status-Status}\\n ${DEBIAN}`,
    '$ DEBIAN_FRONTEND=noninteractive apt-get update',
    'write /var/lib/apt/periodic/update-success-stamp (644)',
    `$ DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${DEBIAN}`,
  ])
  expect(h.smoke).toEqual(['git --version', 'curl --version', 'jq --version', 'ssh -V', 'gpg --version', 'xz --version', 'unzip -v'])
  expect(outcome).toMatchObject({ status: 'installed', record: { id: 'common-utils', version: 'system', path: '/usr/bin', sourceUrl: `apt:${DEBIAN.replaceAll(' ', ',')}`, links: [] } })
  expect(JSON.parse(await readFile(settings.stateFile, 'utf8')).installs).toHaveLength(1)
})

test('everything installed: only the dpkg-query check runs; a second run does not rewrite state', async () => {
  const h = harness(true)
  expect((await installSystemFeature(h.target, settings, h.deps)).status).toBe('already-installed')
  const before = await readFile(settings.stateFile, 'utf8')
  expect((await installSystemFeature(h.target, settings, h.deps)).status).toBe('already-installed')
  expect(await readFile(settings.stateFile, 'utf8')).toBe(before)
  expect(h.sys.log.every((l) => l.startsWith('$ dpkg-query'))).toBe(true)
  expect(h.smoke).toEqual([])
})

test('an unsupported release is refused before any command', async () => {
  const h = harness(false)
  const target = { ...h.target, platform: { ...h.target.platform, distro: { id: 'debian', versionId: '10', idLike: [], family: 'debian' as const, codename: 'buster' } } }
  await expect(installSystemFeature(target, settings, h.deps)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM', hint: expect.stringContaining('debian >=11') })
  expect(h.sys.log).toEqual([])
})
