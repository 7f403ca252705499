import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { parseFeatureRequest, resolveVersion } from '@runner-features/core'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import feature from './index.js'

const API = 'https://api.github.com/repos/helm/helm/releases?per_page=100&page=1'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')

test('keeps the plugin contract (manifest, README matrix, CHANGELOG, fixture provenance)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('versions from the helm/helm releases listing (tags v<V>); latest is the newest, 3 the newest 3.x', async () => {
  const ctx = fakeContext({ [API]: fixture('releases.json') })
  const versions = await feature.listVersions(ctx)
  expect(versions.map((v) => v.version)).toEqual(['4.1.4', '4.0.0', '3.18.4'])
  expect(ctx.requests).toEqual([API])
  expect(resolveVersion('helm', parseFeatureRequest('helm').spec, versions).version).toBe('4.1.4')
  expect(resolveVersion('helm', parseFeatureRequest('helm@3').spec, versions).version).toBe('3.18.4')
})

test('a listing that is not GitHub\'s list of releases is refused, not read as "no versions"', async () => {
  const ctx = fakeContext({ [API]: JSON.stringify({ message: 'Not Found' }) })
  await expect(feature.listVersions(ctx)).rejects.toThrow(/UPSTREAM_FORMAT/)
})

test.each([
  ['x64', 'amd64', '70b2c30a19da4db264dfd68c8a3664e05093a361cefd89572ffb36f8abfa3d09'],
  ['arm64', 'arm64', '13d03672be289045d2ff00e4e345d61de1c6f21c1257a45955a30e8ae036d8f1'],
] as const)('linux-%s: get.helm.sh/helm-v<V>-linux-%s.tar.gz, sha256 from its .sha256sum, linux-<arch>/ stripped', async (arch, helmArch, sha256) => {
  const url = `https://get.helm.sh/helm-v4.1.4-linux-${helmArch}.tar.gz`
  const body = helmArch === 'amd64' ? fixture('helm-v4.1.4-linux-amd64.tar.gz.sha256sum') : `${sha256}  helm-v4.1.4-linux-arm64.tar.gz\n`
  const ctx = fakeContext({ [`${url}.sha256sum`]: body })
  const artifact = await feature.artifact!({ version: '4.1.4' }, { os: 'linux', arch, libc: 'glibc' }, ctx)
  expect(artifact).toEqual({ url, sha256, checksumSource: `${url}.sha256sum`, archive: 'tar.gz', strip: 1 })
  expect(artifactProblems(feature, artifact)).toEqual([])
})

test('a .sha256sum naming another file is CHECKSUM_MISSING (never installed unverified)', async () => {
  const url = 'https://get.helm.sh/helm-v4.1.4-linux-amd64.tar.gz.sha256sum'
  const ctx = fakeContext({ [url]: `${'a'.repeat(64)}  helm-v4.1.4-linux-arm64.tar.gz\n` })
  await expect(feature.artifact!({ version: '4.1.4' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
})

test('mirrorIndex: the listing with only the mirrored release, as GitHub lists it; listVersions reads it back', async () => {
  const files = await feature.mirrorIndex!(['4.0.0'], fakeContext({ [API]: fixture('releases.json') }))
  expect(files.map((f) => f.url)).toEqual([API])
  expect(JSON.parse(files[0]!.body)).toEqual((JSON.parse(fixture('releases.json')) as { tag_name: string }[]).filter((r) => r.tag_name === 'v4.0.0'))
  expect((await feature.listVersions(fakeContext({ [API]: files[0]!.body }))).map((v) => v.version)).toEqual(['4.0.0'])
})
