import { expect, test } from 'vitest'
import { distroFromOsRelease, osFromNode, parseOsRelease, platformKey, windowsPlatform } from './platform.js'

// Trimmed from the real /etc/os-release files of these distributions.
const UBUNTU_2404 = `PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n`
const ROCKY_9 = `NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n`
const ALPINE = `NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n`
const AMZN = `NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n`

test.each([
  [UBUNTU_2404, { id: 'ubuntu', versionId: '24.04', family: 'debian', codename: 'noble' }],
  [ROCKY_9, { id: 'rocky', versionId: '9.4', family: 'rhel', idLike: ['rhel', 'centos', 'fedora'] }],
  [ALPINE, { id: 'alpine', versionId: '3.20.3', family: 'alpine' }],
  [AMZN, { id: 'amzn', family: 'rhel' }],
  ['', { id: 'unknown', family: 'unknown' }],
])('os-release → distro %#', (text, expected) => {
  expect(distroFromOsRelease(parseOsRelease(text))).toMatchObject(expected)
})

test('platform keys match the lockfile names', () => {
  expect(platformKey({ os: 'linux', arch: 'x64', libc: 'glibc' })).toBe('linux-x64')
  expect(platformKey({ os: 'linux', arch: 'arm64', libc: 'musl' })).toBe('linux-arm64-musl')
})

test('Windows: process.platform win32 maps to windows; its key has no libc suffix', () => {
  expect(osFromNode('win32')).toBe('windows')
  expect(osFromNode('freebsd')).toBeUndefined()
  const p = windowsPlatform('x64', '10.0.20348')
  expect(platformKey(p)).toBe('windows-x64')
  expect(p.distro).toMatchObject({ id: 'windows', versionId: '10.0.20348' })
})
