import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { artifactsFor, parseFeatureRequest, resolveVersion } from '@runner-features/core'
import { defineFeature } from '@runner-features/kit'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import pkg from '../package.json' with { type: 'json' }

// yq is data only: this is the feature core builds from package.json.
const feature = defineFeature(pkg)
const API = 'https://api.github.com/repos/mikefarah/yq/releases?per_page=100&page=1'
const DL = 'https://github.com/mikefarah/yq/releases/download/v4.52.4/'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const order = fixture('checksums_hashes_order')
/** A `checksums` line: the file, then one column per hash name, the real sha256 in the SHA-256 column. */
const line = (file: string, sha256: string) => [file, ...order.trim().split('\n').map((name) => (name === 'SHA-256' ? sha256 : '0'))].join(' ')
// Real sha256s of v4.52.4's linux tarballs (pinned by a public Bazel tools lock).
const checksums = `${line('yq_linux_arm64.tar.gz', '10a4a2093090363a00b55ad52e132a082f9652970cb8f1ad35a1ae048b917e6e')}\n${line('yq_linux_amd64.tar.gz', '3fa3c1c32d94520102ea4d853d03c3ab907867d964540e896410ad8a7fc6c8f7')}\n`

test('keeps the plugin contract (folder, README matrix, fixtures README, no code)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('versions from the releases listing; latest is the newest', async () => {
  const ctx = fakeContext({ [API]: fixture('releases.json') })
  const versions = await feature.listVersions(ctx)
  expect(versions.map((v) => v.version)).toEqual(['4.52.4', '4.44.2'])
  expect(resolveVersion('yq', parseFeatureRequest('yq').spec, versions).version).toBe('4.52.4')
})

test.each([
  ['x64', 'yq_linux_amd64', '3fa3c1c32d94520102ea4d853d03c3ab907867d964540e896410ad8a7fc6c8f7'],
  ['arm64', 'yq_linux_arm64', '10a4a2093090363a00b55ad52e132a082f9652970cb8f1ad35a1ae048b917e6e'],
] as const)('linux-%s: %s.tar.gz, sha256 from the rhash table, `yq` linked to the per-arch binary', async (arch, name, sha256) => {
  const ctx = fakeContext({ [`${DL}checksums`]: checksums, [`${DL}checksums_hashes_order`]: order })
  const platform = { os: 'linux', arch, libc: 'musl' } as const
  const [artifact] = await artifactsFor(feature, { version: '4.52.4' }, platform, ctx)
  expect(artifact).toEqual({ url: `${DL}${name}.tar.gz`, sha256, checksumSource: `${DL}checksums`, archive: 'tar.gz', strip: 0 })
  expect(artifactProblems(feature, artifact!)).toEqual([])
  expect(feature.links!('4.52.4', platform)).toEqual([{ path: 'yq', target: name }])
})
