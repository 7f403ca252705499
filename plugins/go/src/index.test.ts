import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import feature from './index.js'
import { goSemver } from './version.js'
import pkg from '../package.json' with { type: 'json' }

const RELEASES = 'https://go.dev/dl/?mode=json&include=all'
const fixture = readFileSync(new URL('../fixtures/go-dl.json', import.meta.url), 'utf8')

test('keeps the plugin contract (manifest, README matrix, CHANGELOG, fixture provenance)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test.each([
  ['go1.22.1', '1.22.1'],
  ['go1.20', '1.20.0'],
  ['go1.21.0', '1.21.0'],
  ['go1.21rc2', '1.21.0-rc.2'],
  ['go1.9beta1', '1.9.0-beta.1'],
  ['go1.2', '1.2.0'],
  ['go1', undefined],
  ['weekly.2012-03-27', undefined],
  ['go1.22.1-custom', undefined],
])('%s names the tool-cache directory %s (setup-go makeSemver)', (name, dir) => {
  expect(goSemver(name)).toBe(dir)
})

test('versions come from the include=all list, x.y releases as x.y.0 and pre-releases for the resolver to filter', async () => {
  const ctx = fakeContext({ [RELEASES]: fixture })
  expect((await feature.listVersions(ctx)).map((v) => v.version)).toEqual(['1.13.7', '1.12.16', '1.13.0', '1.14.0-rc.1'])
  expect(ctx.requests).toEqual([RELEASES])
})

test.each([
  ['x64', 'amd64', '1.13.7', 'go1.13.7.linux-amd64.tar.gz', 'b3dd4bd781a0271b33168e627f7f43886b4c5d1c794a4015abf34e99c6526ca3'],
  ['arm64', 'arm64', '1.13.0', 'go1.13.linux-arm64.tar.gz', 'e2a61328101eff3b9c1ba47ecfec5eb2fdc3eb35d8c27d505737ba98bfcb197b'],
] as const)('artifact for linux-%s (%s) of %s is %s with the sha256 from the list', async (arch, _goarch, version, file, sha256) => {
  const ctx = fakeContext({ [RELEASES]: fixture })
  const artifact = await feature.artifact!({ version }, { os: 'linux', arch, libc: 'glibc' }, ctx)
  expect(artifact).toMatchObject({ url: `https://go.dev/dl/${file}`, sha256, checksumSource: RELEASES, archive: 'tar.gz', strip: 1 })
  expect(artifactProblems(feature, artifact)).toEqual([])
})

test('a version the list does not have is UNSUPPORTED_PLATFORM, naming the list', async () => {
  const ctx = fakeContext({ [RELEASES]: fixture })
  await expect(feature.artifact!({ version: '1.99.0' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM', message: expect.stringContaining('linux-amd64') })
})

test('a list whose files lack a sha256 is refused (checksums are mandatory)', async () => {
  const stripped = JSON.parse(fixture) as Array<{ files: Array<Record<string, unknown>> }>
  delete stripped[0]!.files[3]!.sha256
  const ctx = fakeContext({ [RELEASES]: JSON.stringify(stripped) })
  await expect(feature.listVersions(ctx)).rejects.toThrow(/UPSTREAM_FORMAT/)
})

test('env sets GOTOOLCHAIN (default local, as setup-go) and the hosted images\' GOROOT_<major>_<minor>_<ARCH>', () => {
  const dir = '/opt/hostedtoolcache/go/1.22.1/x64'
  expect(feature.env!(dir, '1.22.1', {})).toEqual({ GOTOOLCHAIN: 'local', GOROOT_1_22_X64: dir })
  const parsed = feature.options!.safeParse({ toolchain: 'go1.22.1+auto' })
  expect(parsed.success && feature.env!(dir, '1.22.1', parsed.data).GOTOOLCHAIN).toBe('go1.22.1+auto')
  expect(feature.options!.safeParse({}).success && (feature.options!.safeParse({}) as { data: unknown }).data).toEqual({ toolchain: 'local' })
  expect(feature.options!.safeParse({ toolchain: 'local; rm -rf /' }).success).toBe(false)
})

test('mirrorIndex: the list with only the mirrored release, whole; listVersions and artifact read it as a mirror serves it', async () => {
  const files = await feature.mirrorIndex!(['1.13.0'], fakeContext({ [RELEASES]: fixture }))
  expect(files.map((f) => f.url)).toEqual([RELEASES])
  expect(JSON.parse(files[0]!.body)).toEqual((JSON.parse(fixture) as { version: string }[]).filter((r) => r.version === 'go1.13'))
  const mirror = fakeContext({ [RELEASES]: files[0]!.body })
  expect((await feature.listVersions(mirror)).map((v) => v.version)).toEqual(['1.13.0'])
  expect((await feature.artifact!({ version: '1.13.0' }, { os: 'linux', arch: 'arm64', libc: 'glibc' }, mirror)).sha256).toBe('e2a61328101eff3b9c1ba47ecfec5eb2fdc3eb35d8c27d505737ba98bfcb197b')
})
