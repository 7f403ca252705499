import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { platformMatrixMarkdown } from '@runner-features/kit'
import { platformFromOsRelease, contractProblems, fakeContext } from '@runner-features/kit/testing'
import { assertSupported, parseFeatureRequest, resolveVersion, type Platform } from '@runner-features/core'
import feature, { DOCKER_APT_FINGERPRINT, DOCKER_RPM_FINGERPRINT, ENGINE_IN_CONTAINER } from './index.js'
import pkg from '../package.json' with { type: 'json' }

const osRelease = (name: string) => readFileSync(new URL(`../../../packages/package-managers/src/__fixtures__/os-release/${name}`, import.meta.url), 'utf8')
const platformOf = platformFromOsRelease
const CLIENT = ['docker-ce-cli', 'docker-buildx-plugin', 'docker-compose-plugin']

test('keeps the plugin contract', () => {
  expect(contractProblems(feature, pkg)).toEqual([])
})

test('the README matrix is generated from the declaration', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  expect(readme).toContain(platformMatrixMarkdown(feature))
})

test('its only version is system (the newest in Docker\'s repository), and a bare id asks for it', async () => {
  const versions = await feature.listVersions(fakeContext({}))
  expect(resolveVersion('docker', parseFeatureRequest('docker', 'argument', pkg.runner.feature.defaultVersion).spec, versions)).toEqual({ version: 'system' })
  expect(() => resolveVersion('docker', parseFeatureRequest('docker@28.0.4').spec, versions)).toThrow(expect.objectContaining({ code: 'VERSION_NOT_FOUND', hint: expect.stringContaining('docker@system') }))
})

test.each([
  ['debian-12', 'https://download.docker.com/linux/debian', 'bookworm'],
  ['debian-13', 'https://download.docker.com/linux/debian', 'trixie'],
  ['ubuntu-24.04', 'https://download.docker.com/linux/ubuntu', 'noble'],
  ['ubuntu-22.04', 'https://download.docker.com/linux/ubuntu', 'jammy'],
] as const)('%s: Docker\'s apt repository %s %s stable, signed by 9DC8…CD88', (file, url, suite) => {
  const platform = platformOf(osRelease(file))
  expect(() => assertSupported(feature, platform, 'docker (argument)')).not.toThrow()
  expect(feature.repositories!(platform)).toEqual({ debian: { name: 'docker', url, keyUrl: `${url}/gpg`, fingerprint: DOCKER_APT_FINGERPRINT, suite, components: ['stable'] } })
  expect(feature.packages!(platform).debian).toEqual(CLIENT)
})

test.each([
  ['fedora-42', 'fedora'],
  ['rhel-9', 'rhel'],
  ['rocky-9', 'centos'],
] as const)('%s: Docker\'s rpm repository linux/%s, signed by 060A…9F35', (file, tree) => {
  const platform = platformOf(osRelease(file))
  expect(() => assertSupported(feature, platform, 'docker (argument)')).not.toThrow()
  expect(feature.repositories!(platform)).toEqual({
    rhel: { name: 'docker-ce-stable', url: `https://download.docker.com/linux/${tree}/$releasever/$basearch/stable`, keyUrl: `https://download.docker.com/linux/${tree}/gpg`, fingerprint: DOCKER_RPM_FINGERPRINT },
  })
  expect(feature.packages!(platform).rhel).toEqual(CLIENT)
})

test('Alpine: community packages, no repository to add', () => {
  const platform = platformOf(osRelease('alpine-3.20'), 'musl')
  expect(() => assertSupported(feature, platform, 'docker (argument)')).not.toThrow()
  expect(feature.repositories!(platform)).toEqual({})
  expect(feature.packages!(platform, { engine: false }).alpine).toEqual(['docker-cli', 'docker-cli-buildx', 'docker-cli-compose'])
  expect(feature.packages!(platform, { engine: true }).alpine).toEqual(['docker-cli', 'docker-cli-buildx', 'docker-cli-compose', 'docker'])
})

test('engine: true adds the daemon and containerd', () => {
  const platform = platformOf(osRelease('debian-12'))
  expect(feature.packages!(platform, { engine: true }).debian).toEqual([...CLIENT, 'docker-ce', 'containerd.io'])
})

test.each([
  ['Amazon Linux 2023 (Docker publishes no repository for it)', osRelease('amzn-2023'), 'glibc'],
  ['Ubuntu 20.04 (dropped from Docker\'s repository)', 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="20.04"\nVERSION_CODENAME=focal\n', 'glibc'],
  ['Arch Linux', 'ID=arch\nBUILD_ID=rolling\n', 'glibc'],
] as const)('%s is refused up front, naming what is supported', (_, text, libc) => {
  expect(() => assertSupported(feature, platformOf(text, libc), 'docker (argument)')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PLATFORM', hint: expect.stringContaining('ubuntu >=22.04') }))
})

test('the runner user joins docker with gid 123 (ARC\'s runner image and dind sidecar)', () => {
  expect(feature.groups).toEqual([{ name: 'docker', gid: 123 }])
})

test('options: engine defaults to false; anything else is refused with a reason', () => {
  expect(feature.options!.safeParse({})).toEqual({ success: true, data: { engine: false } })
  expect(feature.options!.safeParse({ engine: true })).toEqual({ success: true, data: { engine: true } })
  expect(feature.options!.safeParse({ engine: 'yes' })).toMatchObject({ success: false, error: { message: 'engine must be true or false, not "yes"' } })
  expect(feature.options!.safeParse({ engin: true })).toMatchObject({ success: false, error: { message: expect.stringContaining('unknown option engin') } })
})

test('the engine-in-a-container warning: only for the engine, only inside a container', () => {
  expect(feature.notices!({ engine: true }, { inContainer: true })).toEqual([ENGINE_IN_CONTAINER])
  expect(ENGINE_IN_CONTAINER).toMatch(/privileged/)
  expect(ENGINE_IN_CONTAINER).toMatch(/dind/)
  expect(feature.notices!({ engine: true }, { inContainer: false })).toEqual([])
  expect(feature.notices!({ engine: false }, { inContainer: true })).toEqual([])
})
