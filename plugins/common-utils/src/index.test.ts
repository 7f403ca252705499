import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { platformMatrixMarkdown } from '@runner-features/kit'
import { platformFromOsRelease, contractProblems, fakeContext } from '@runner-features/kit/testing'
import { assertSupported, parseFeatureRequest, resolveVersion, type Platform } from '@runner-features/core'
import feature from './index.js'
import pkg from '../package.json' with { type: 'json' }

const osRelease = (name: string) => readFileSync(new URL(`../../../packages/package-managers/src/__fixtures__/os-release/${name}`, import.meta.url), 'utf8')
const platformOf = platformFromOsRelease

test('keeps the plugin contract', () => {
  expect(contractProblems(feature, pkg)).toEqual([])
})

test('the README matrix is generated from the declaration', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  expect(readme).toContain(platformMatrixMarkdown(feature))
})

test('its only version is system, and a bare id asks for it', async () => {
  const versions = await feature.listVersions(fakeContext({}))
  expect(resolveVersion('common-utils', parseFeatureRequest('common-utils', 'argument', pkg.runner.feature.defaultVersion).spec, versions)).toEqual({ version: 'system' })
  expect(() => resolveVersion('common-utils', parseFeatureRequest('common-utils@2').spec, versions)).toThrow(expect.objectContaining({ code: 'VERSION_NOT_FOUND', hint: expect.stringContaining('common-utils@system') }))
})

test.each([
  ['debian-12', 'glibc', ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'openssh-client', 'sudo', 'ca-certificates', 'gnupg', 'tar', 'xz-utils']],
  ['ubuntu-22.04', 'glibc', ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'openssh-client', 'sudo', 'ca-certificates', 'gnupg', 'tar', 'xz-utils']],
  ['rocky-9', 'glibc', ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'openssh-clients', 'sudo', 'ca-certificates', 'gnupg2', 'tar', 'xz']],
  ['amzn-2023', 'glibc', ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'openssh-clients', 'sudo', 'ca-certificates', 'gnupg2', 'tar', 'xz']],
  ['alpine-3.20', 'musl', ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'openssh-client', 'sudo', 'ca-certificates', 'gnupg', 'tar', 'xz']],
] as const)('%s: supported, with these package names', (file, libc, names) => {
  const platform = platformOf(osRelease(file), libc)
  expect(() => assertSupported(feature, platform, 'common-utils (argument)')).not.toThrow()
  expect(feature.packages!(platform)[platform.distro.family]).toEqual(names)
})

test.each([
  ['Ubuntu 18.04', 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="18.04"\n', 'glibc'],
  ['Debian 10', 'ID=debian\nVERSION_ID="10"\n', 'glibc'],
  ['Alpine 3.17', 'ID=alpine\nVERSION_ID=3.17.3\n', 'musl'],
  ['Alpine with glibc claimed', 'ID=alpine\nVERSION_ID=3.20.2\n', 'glibc'],
  ['Arch Linux', 'ID=arch\nBUILD_ID=rolling\n', 'glibc'],
] as const)('%s is refused up front, naming what is supported', (_, text, libc) => {
  expect(() => assertSupported(feature, platformOf(text, libc), 'common-utils (argument)')).toThrow(
    expect.objectContaining({ code: 'UNSUPPORTED_PLATFORM', hint: expect.stringContaining('debian >=11, ubuntu >=20.04') }),
  )
})
