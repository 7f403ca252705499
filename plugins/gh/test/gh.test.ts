import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { artifactsFor, parseFeatureRequest, resolveVersion } from '@runner-features/core'
import { defineFeature } from '@runner-features/kit'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import pkg from '../package.json' with { type: 'json' }

// gh is data only: this is the feature core builds from package.json.
const feature = defineFeature(pkg)
const API = 'https://api.github.com/repos/cli/cli/releases?per_page=100&page=1'
const DL = 'https://github.com/cli/cli/releases/download/v2.23.0/'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const ARM64 = 'a'.repeat(64) // stand-in: the fixture keeps only the linux_amd64 line

test('keeps the plugin contract (folder, README matrix, fixtures README, no code)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('versions from the cli/cli releases listing; latest is the newest', async () => {
  const ctx = fakeContext({ [API]: fixture('releases.json') })
  const versions = await feature.listVersions(ctx)
  expect(versions.map((v) => v.version)).toEqual(['2.24.0', '2.23.0'])
  expect(resolveVersion('gh', parseFeatureRequest('gh').spec, versions).version).toBe('2.24.0')
})

test.each([
  ['x64', 'gh_2.23.0_linux_amd64.tar.gz', '774c4ab16e962f851664162e4d5ebe6fe2a7b8143afaf1a2ebbfd115f0517da0'],
  ['arm64', 'gh_2.23.0_linux_arm64.tar.gz', ARM64],
] as const)('linux-%s: %s, sha256 from gh_<V>_checksums.txt, top directory stripped', async (arch, asset, sha256) => {
  const ctx = fakeContext({ [`${DL}gh_2.23.0_checksums.txt`]: `${fixture('gh_2.23.0_checksums.txt')}${ARM64}  gh_2.23.0_linux_arm64.tar.gz\n` })
  const [artifact] = await artifactsFor(feature, { version: '2.23.0' }, { os: 'linux', arch, libc: 'musl' }, ctx)
  expect(artifact).toEqual({ url: `${DL}${asset}`, sha256, checksumSource: `${DL}gh_2.23.0_checksums.txt`, archive: 'tar.gz', strip: 1 })
  expect(artifactProblems(feature, artifact!)).toEqual([])
})

test('a checksums file without the asset is CHECKSUM_MISSING', async () => {
  const ctx = fakeContext({ [`${DL}gh_2.23.0_checksums.txt`]: fixture('gh_2.23.0_checksums.txt') })
  await expect(artifactsFor(feature, { version: '2.23.0' }, { os: 'linux', arch: 'arm64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
})
