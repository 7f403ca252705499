import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { artifactsFor } from '@runner-features/core'
import { defineFeature } from '@runner-features/kit'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import pkg from '../package.json' with { type: 'json' }

// Terraform is declarative (a hashicorp source in package.json): this is the feature core builds.
const feature = defineFeature(pkg)
const UP = 'https://releases.hashicorp.com/'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const index = fixture('index.json')
// A real HashiCorp SHA256SUMS, renamed to the release the index fixture describes.
const realSums = fixture('terraform_0.6.8_SHA256SUMS').replaceAll('0.6.8', '0.12.0')

test('keeps the plugin contract (folder, README matrix, no code)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('versions come from terraform/index.json, pre-releases included for the resolver to filter', async () => {
  const ctx = fakeContext({ [`${UP}terraform/index.json`]: index })
  expect((await feature.listVersions(ctx)).map((v) => v.version).sort()).toEqual(['0.11.13', '0.12.0', '0.12.3-beta1'])
})

test.each([
  ['x64', 'amd64'],
  ['arm64', 'arm64'],
] as const)('artifact for linux-%s uses the index build URL and the SHA256SUMS entry', async (arch, goarch) => {
  const ctx = fakeContext({ [`${UP}terraform/index.json`]: index, [`${UP}terraform/0.12.0/terraform_0.12.0_SHA256SUMS`]: `${realSums}${'d'.repeat(64)}  terraform_0.12.0_linux_arm64.zip\n` })
  const [artifact] = await artifactsFor(feature, { version: '0.12.0' }, { os: 'linux', arch, libc: 'glibc' }, ctx)
  expect(artifact!.url).toBe(`${UP}terraform/0.12.0/terraform_0.12.0_linux_${goarch}.zip`)
  expect(artifact!.archive).toBe('zip')
  expect(artifact!.sha256).toBe(goarch === 'arm64' ? 'd'.repeat(64) : 'fd61718820c3f2334276517a89694cebe82db354b584ea90c376f1c6d34bb92d')
  expect(artifactProblems(feature, artifact!)).toEqual([])
})

test('a version missing from the index is refused', async () => {
  const ctx = fakeContext({ [`${UP}terraform/index.json`]: index })
  await expect(artifactsFor(feature, { version: '9.9.9' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toThrow(/no linux_amd64 build/)
})

// HashiCorp publishes terraform_<V>_windows_amd64.zip (the index fixture lists it), but package.json
// declares Linux platforms only (the manifest schema has no Windows os yet): Windows is refused
// before anything is fetched, naming what is supported.
test('windows-x64 is refused as undeclared before any request, though the upstream publishes it', async () => {
  expect(index).toContain('terraform_0.12.0_windows_amd64.zip')
  const ctx = fakeContext({ [`${UP}terraform/index.json`]: index })
  await expect(artifactsFor(feature, { version: '0.12.0' }, { os: 'windows', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM', hint: expect.stringContaining('linux-x64') })
  expect(ctx.requests).toEqual([])
})
