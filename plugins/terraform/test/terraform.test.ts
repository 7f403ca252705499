import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { artifactsFor, binsFor, smokeTestFor } from '@runner-features/core'
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

// HashiCorp publishes terraform_<V>_windows_amd64.zip; the hashicorp source maps os windows → `windows`
// and x64 → `amd64`, and the zip holds `terraform.exe` at its root (the Windows bin).
test('windows-x64 uses the index windows_amd64 build and its SHA256SUMS entry (the file the signature covers)', async () => {
  const ctx = fakeContext({ [`${UP}terraform/index.json`]: index, [`${UP}terraform/0.12.0/terraform_0.12.0_SHA256SUMS`]: realSums })
  const [artifact] = await artifactsFor(feature, { version: '0.12.0' }, { os: 'windows', arch: 'x64', libc: 'glibc' }, ctx)
  expect(artifact).toMatchObject({ url: `${UP}terraform/0.12.0/terraform_0.12.0_windows_amd64.zip`, archive: 'zip', strip: 0, sha256: '357dd1df7443fa1078747e123dd56abba793ebe47b3670556fb11a2547ad6750', checksumSource: `${UP}terraform/0.12.0/terraform_0.12.0_SHA256SUMS` })
  expect(binsFor(feature, 'windows')).toEqual(['terraform.exe'])
  expect(smokeTestFor(feature, 'windows').command).toEqual(['terraform.exe', 'version'])
  expect(binsFor(feature, 'linux')).toEqual(['terraform'])
})

test('windows-x64 without a SHA256SUMS line fails closed', async () => {
  const ctx = fakeContext({ [`${UP}terraform/index.json`]: index, [`${UP}terraform/0.12.0/terraform_0.12.0_SHA256SUMS`]: realSums.replace(/^.*_windows_amd64\.zip\n/m, '') })
  await expect(artifactsFor(feature, { version: '0.12.0' }, { os: 'windows', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
})

// Only windows x64 is declared (no windows arm64 terraform has been fixture-tested): refused before any request.
test('windows-arm64 is refused as undeclared before any request', async () => {
  const ctx = fakeContext({ [`${UP}terraform/index.json`]: index })
  await expect(artifactsFor(feature, { version: '0.12.0' }, { os: 'windows', arch: 'arm64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM', hint: expect.stringContaining('windows-x64') })
  expect(ctx.requests).toEqual([])
})
