import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { platformMatrixMarkdown } from '@runner-features/kit'
import { artifactProblems, contractProblems, platformFromOsRelease, fakeContext } from '@runner-features/kit/testing'
import { assertSupported, parseFeatureRequest, resolveVersion, systemView, type Feature, type Platform } from '@runner-features/core'
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
  expect(readme).toContain(platformMatrixMarkdown(feature, feature.system!.platforms))
})

const SUMS = readFileSync(new URL('../fixtures/SHA256SUMS-20241016', import.meta.url), 'utf8')
const LATEST = 'https://github.com/astral-sh/python-build-standalone/releases/latest/download/SHA256SUMS'

test('a bare id asks for the distro python; versions come from the newest release\'s SHA256SUMS', async () => {
  expect(parseFeatureRequest('python', 'argument', pkg.runner.feature.defaultVersion).spec.kind).toBe('system')
  const versions = await feature.listVersions(fakeContext({ [LATEST]: SUMS }))
  expect(versions.map((v) => v.version).sort()).toEqual(['3.12.7', '3.13.0', '3.9.20'])
  expect(resolveVersion('python', parseFeatureRequest('python@3.12').spec, versions)).toEqual({ version: '3.12.7' })
  expect(resolveVersion('python', parseFeatureRequest('python@3').spec, versions)).toEqual({ version: '3.13.0' })
  expect(() => resolveVersion('python', parseFeatureRequest('python@3.10').spec, versions)).toThrow(expect.objectContaining({ code: 'VERSION_NOT_FOUND' }))
})

test.each([
  ['x64', 'glibc', 'cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz'],
  ['arm64', 'glibc', 'cpython-3.12.7+20241016-aarch64-unknown-linux-gnu-install_only_stripped.tar.gz'],
  ['x64', 'musl', 'cpython-3.12.7+20241016-x86_64-unknown-linux-musl-install_only_stripped.tar.gz'],
] as const)('%s %s: the stripped install_only build of the baseline triple, checksummed', async (arch, libc, file) => {
  const artifact = await feature.artifact({ version: '3.12.7' }, { os: 'linux', arch, libc }, fakeContext({ [LATEST]: SUMS }))
  expect(artifact).toMatchObject({
    url: `https://github.com/astral-sh/python-build-standalone/releases/download/20241016/${file.replace('+', '%2B')}`,
    sha256: SUMS.split('\n').find((l) => l.endsWith(`  ${file}`))!.slice(0, 64),
    checksumSource: LATEST, archive: 'tar.gz', strip: 1,
  })
  expect(artifactProblems(feature, artifact)).toEqual([])
})

test('the install_only build when the release has no stripped one; arm64 musl is refused naming what exists', async () => {
  const only = SUMS.split('\n').filter((l) => !l.includes('_stripped')).join('\n')
  const artifact = await feature.artifact({ version: '3.13.0' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, fakeContext({ [LATEST]: only }))
  expect(artifact.url).toMatch(/cpython-3\.13\.0%2B20241016-x86_64-unknown-linux-gnu-install_only\.tar\.gz$/)
  await expect(feature.artifact({ version: '3.12.7' }, { os: 'linux', arch: 'arm64', libc: 'musl' }, fakeContext({ [LATEST]: SUMS }))).rejects.toMatchObject({
    code: 'UNSUPPORTED_PLATFORM', hint: expect.stringContaining('aarch64-unknown-linux-gnu'),
  })
})

test('a team config can pin an older release; the option is validated', async () => {
  const pinned = 'https://github.com/astral-sh/python-build-standalone/releases/download/20241016/SHA256SUMS'
  const ctx = { ...fakeContext({ [pinned]: SUMS }), options: { release: '20241016' } }
  expect((await feature.listVersions(ctx)).length).toBe(3)
  expect(feature.options!.safeParse({})).toMatchObject({ success: true, data: { release: 'latest' } })
  expect(feature.options!.safeParse({ release: 'v1; rm -rf /' }).success).toBe(false)
})

test('links give setup-python\'s layout: python → bin/python3.X, bin/python, bin/python3X', () => {
  expect(feature.links!('3.12.7')).toEqual([
    { path: 'python', target: 'bin/python3.12' },
    { path: 'bin/python', target: 'python3.12' },
    { path: 'bin/python312', target: 'python3.12' },
  ])
})

test.each([
  ['debian-12', 'glibc', ['python3', 'python3-pip', 'python3-venv']],
  ['debian-13', 'glibc', ['python3', 'python3-pip', 'python3-venv']],
  ['ubuntu-24.04', 'glibc', ['python3', 'python3-pip', 'python3-venv']],
  ['rhel-9', 'glibc', ['python3', 'python3-pip']],
  ['fedora-42', 'glibc', ['python3', 'python3-pip']],
  ['alpine-3.20', 'musl', ['python3', 'py3-pip']],
] as const)('%s: supported, with these package names', (file, libc, names) => {
  const platform = platformOf(osRelease(file), libc)
  expect(() => assertSupported(systemView(feature), platform, 'python (argument)')).not.toThrow()
  expect((feature as Feature).packages!(platform)[platform.distro.family]).toEqual(names)
})

test.each([
  ['Ubuntu 18.04', 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="18.04"\n', 'glibc'],
  ['Debian 10', 'ID=debian\nVERSION_ID="10"\n', 'glibc'],
  ['Alpine 3.17', 'ID=alpine\nVERSION_ID=3.17.3\n', 'musl'],
  ['Alpine with glibc claimed', 'ID=alpine\nVERSION_ID=3.20.2\n', 'glibc'],
  ['Arch Linux', 'ID=arch\nBUILD_ID=rolling\n', 'glibc'],
] as const)('%s: relocatable builds are fine, python@system is refused up front naming what is supported', (_, text, libc) => {
  const platform = platformOf(text, libc)
  expect(() => assertSupported(feature, platform, 'python@3.12 (argument)')).not.toThrow()
  expect(() => assertSupported(systemView(feature), platform, 'python@system (argument)')).toThrow(
    expect.objectContaining({ code: 'UNSUPPORTED_PLATFORM', hint: expect.stringContaining('debian >=11, ubuntu >=20.04') }),
  )
})

test('mirrorIndex: SHA256SUMS with only the mirrored version\'s install_only lines, as upstream wrote them; the pinned release\'s file with the release option', async () => {
  const files = await feature.mirrorIndex!(['3.12.7'], fakeContext({ [LATEST]: SUMS }))
  expect(files.map((f) => f.url)).toEqual([LATEST])
  const kept = SUMS.split('\n').filter((l) => /cpython-3\.12\.7\+20241016-[a-z0-9_]+-unknown-linux-(gnu|musl)-install_only(_stripped)?\.tar\.gz$/.test(l))
  expect(files[0]!.body).toBe(kept.map((l) => `${l}\n`).join(''))
  const mirror = fakeContext({ [LATEST]: files[0]!.body })
  expect(await feature.listVersions(mirror)).toEqual([{ version: '3.12.7' }])
  expect((await feature.artifact({ version: '3.12.7' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, mirror)).sha256).toBe('cd92dc5070ae0e8010943c200cd57c0aa8cfa085c5ba9dc7d76ed43963a17d3c')
  const pinned = 'https://github.com/astral-sh/python-build-standalone/releases/download/20241016/SHA256SUMS'
  expect((await feature.mirrorIndex!(['3.13.0'], { ...fakeContext({ [pinned]: SUMS }), options: { release: '20241016' } })).map((f) => f.url)).toEqual([pinned])
})
