import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { distroFromOsRelease, osFromNode, parseOsRelease, windowsPlatform, type Platform } from '@runner-features/core'
import { packageManagerFor } from './select.js'
import { fakeSystem } from './testing.js'

const osRelease = (name: string) => readFileSync(new URL(`./__fixtures__/os-release/${name}`, import.meta.url), 'utf8')

test.each([
  ['ubuntu-22.04', { id: 'ubuntu', versionId: '22.04', family: 'debian', codename: 'jammy', idLike: ['debian'] }, ['dnf', 'yum'], 'apt'],
  ['ubuntu-24.04', { id: 'ubuntu', versionId: '24.04', family: 'debian', codename: 'noble', idLike: ['debian'] }, [], 'apt'],
  ['debian-12', { id: 'debian', versionId: '12', family: 'debian', codename: 'bookworm', idLike: [] }, [], 'apt'],
  ['debian-13', { id: 'debian', versionId: '13', family: 'debian', codename: 'trixie', idLike: [] }, [], 'apt'],
  ['rhel-9', { id: 'rhel', versionId: '9.6', family: 'rhel', codename: undefined, idLike: ['fedora'] }, ['dnf', 'yum'], 'dnf'],
  ['rocky-9', { id: 'rocky', versionId: '9.3', family: 'rhel', codename: undefined, idLike: ['rhel', 'centos', 'fedora'] }, ['dnf', 'yum'], 'dnf'],
  ['fedora-42', { id: 'fedora', versionId: '42', family: 'rhel', codename: undefined, idLike: [] }, ['dnf'], 'dnf'],
  ['amzn-2023', { id: 'amzn', versionId: '2023', family: 'rhel', codename: undefined, idLike: ['fedora'] }, ['dnf', 'yum'], 'dnf'],
  // Amazon Linux 2 / CentOS 7 shape: yum only.
  ['amzn-2023', { id: 'amzn', family: 'rhel' }, ['yum'], 'yum'],
  ['alpine-3.20', { id: 'alpine', versionId: '3.20.2', family: 'alpine', codename: undefined, idLike: [] }, ['apk'], 'apk'],
] as const)('%s → %o → %s', async (file, distro, onPath, manager) => {
  const detected = distroFromOsRelease(parseOsRelease(osRelease(file)))
  expect(detected).toMatchObject(distro)
  const platform: Platform = { os: 'linux', arch: 'x64', libc: file.startsWith('alpine') ? 'musl' : 'glibc', distro: detected }
  const sys = fakeSystem({ platform, onPath: [...onPath] })
  const pm = await packageManagerFor(platform, sys.deps)
  expect(pm.id).toBe(manager)
  expect(pm.detect(platform)).toBe(true)
  expect(sys.log).toEqual([])
})

test('an unknown family has no package manager', async () => {
  const platform: Platform = { os: 'linux', arch: 'x64', libc: 'glibc', distro: distroFromOsRelease(parseOsRelease('ID=gentoo\nVERSION_ID=2.15\n')) }
  await expect(packageManagerFor(platform, fakeSystem({ platform }).deps)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM' })
})

test('Windows (process.platform win32) selects choco, whatever is on PATH, without running anything', async () => {
  expect(osFromNode('win32')).toBe('windows')
  expect(osFromNode('linux')).toBe('linux')
  expect(osFromNode('darwin')).toBeUndefined()
  const platform = windowsPlatform('x64', '10.0.20348')
  const sys = fakeSystem({ platform, onPath: ['apt-get', 'dnf'] })
  const pm = await packageManagerFor(platform, sys.deps)
  expect(pm.id).toBe('choco')
  expect(pm.detect(platform)).toBe(true)
  expect(sys.log).toEqual([])
})

test('choco is not detected on Linux, and Linux managers are not detected on Windows', async () => {
  const linux: Platform = { os: 'linux', arch: 'x64', libc: 'glibc', distro: distroFromOsRelease(parseOsRelease(osRelease('debian-12'))) }
  const windows = windowsPlatform('x64', '10.0.20348')
  const choco = await packageManagerFor(windows, fakeSystem({ platform: windows }).deps)
  const apt = await packageManagerFor(linux, fakeSystem({ platform: linux }).deps)
  expect(choco.detect(linux)).toBe(false)
  expect(apt.detect(windows)).toBe(false)
})
