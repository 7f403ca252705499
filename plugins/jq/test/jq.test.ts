import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { artifactsFor } from '@runner-features/core'
import { defineFeature } from '@runner-features/kit'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import pkg from '../package.json' with { type: 'json' }

// jq is data only: this is the feature core builds from package.json.
const feature = defineFeature(pkg)
const API = 'https://api.github.com/repos/jqlang/jq/releases?per_page=100&page=1'
const DL = 'https://github.com/jqlang/jq/releases/download/jq-1.7.1/'

test('keeps the plugin contract (folder, README matrix, fixtures README, no code)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('versions from the releases listing: jq-<v> tags, the two-part jq-1.7 skipped (not semver)', async () => {
  const ctx = fakeContext({ [API]: readFileSync(new URL('../fixtures/releases.json', import.meta.url), 'utf8') })
  expect((await feature.listVersions(ctx)).map((v) => v.version)).toEqual(['1.8.1', '1.7.1'])
})

test.each([
  ['x64', 'jq-linux-amd64', 'a'],
  ['arm64', 'jq-linux-arm64', 'b'],
] as const)('linux-%s: the single binary %s, installed as `jq`, sha256 from sha256sum.txt', async (arch, name, c) => {
  const ctx = fakeContext({ [`${DL}sha256sum.txt`]: `${'a'.repeat(64)}  jq-linux-amd64\n${'b'.repeat(64)}  jq-linux-arm64\n${'c'.repeat(64)}  jq-linux64\n` })
  const [artifact] = await artifactsFor(feature, { version: '1.7.1' }, { os: 'linux', arch, libc: 'glibc' }, ctx)
  expect(artifact).toEqual({ url: `${DL}${name}`, sha256: c.repeat(64), checksumSource: `${DL}sha256sum.txt`, archive: 'file', fileName: 'jq', strip: 0 })
  expect(artifactProblems(feature, artifact!)).toEqual([])
})
