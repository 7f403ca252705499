import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { platformMatrixMarkdown } from '@runner-features/kit'
import { artifactProblems, contractProblems, fakeContext } from '@runner-features/kit/testing'
import feature from './index.js'
import pkg from '../package.json' with { type: 'json' }

const UP = 'https://developer.download.nvidia.com/compute/cuda/redist/'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const responses = { [UP]: fixture('index.html'), [`${UP}redistrib_12.4.1.json`]: fixture('redistrib_12.4.1.json') }

test('keeps the plugin contract; the README shows the declared platform matrix', () => {
  expect(contractProblems(feature, pkg)).toEqual([])
  // Compared line by line without trailing blanks (editors strip them from Markdown).
  const trimmed = (text: string) => text.split('\n').map((l) => l.trimEnd()).join('\n')
  expect(trimmed(readFileSync(new URL('../README.md', import.meta.url), 'utf8'))).toContain(trimmed(platformMatrixMarkdown(feature)))
})

test('versions come from the redist directory index', async () => {
  const ctx = fakeContext(responses)
  expect((await feature.listVersions(ctx)).map((v) => v.version)).toEqual(['11.8.0', '12.4.0', '12.4.1', '12.6.3'])
  expect(ctx.requests).toEqual([UP])
})

test.each([
  ['x64', 'linux-x86_64'],
  ['arm64', 'linux-sbsa'],
] as const)('linux-%s: one artifact per default component, all under the upstream, from one manifest request', async (arch, key) => {
  const ctx = fakeContext(responses)
  const list = await feature.artifacts({ version: '12.4.1' }, { os: 'linux', arch, libc: 'glibc' }, ctx)
  expect(list.map((a) => a.url.slice(UP.length).split('/')[0])).toEqual(['cuda_nvcc', 'cuda_cudart', 'cuda_nvrtc', 'cuda_cccl', 'libcublas'])
  expect(list.every((a) => a.url.includes(`/${key}/`))).toBe(true)
  for (const a of list) expect(artifactProblems(feature, a)).toEqual([])
  expect(ctx.requests).toEqual([`${UP}redistrib_12.4.1.json`])
})

test('the components option (validated, defaults applied by core) picks the archives', async () => {
  const ctx = { ...fakeContext(responses), options: { components: ['cuda_nvcc', 'cuda_cudart'] } }
  const list = await feature.artifacts({ version: '12.4.1' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)
  expect(list.map((a) => a.url.slice(UP.length))).toEqual([
    'cuda_nvcc/linux-x86_64/cuda_nvcc-linux-x86_64-12.4.131-archive.tar.xz',
    'cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz',
  ])
  expect(feature.options.safeParse({ components: ['cuda_nvcc'] }).success).toBe(true)
  expect(feature.options.safeParse({ components: 'cuda_nvcc' }).success).toBe(false)
})

test('an unknown component fails with INVALID_OPTIONS naming the choices', async () => {
  const ctx = { ...fakeContext(responses), options: { components: ['cuda_nvcc', 'cuda_nvcc_typo'] } }
  await expect(feature.artifacts({ version: '12.4.1' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: 'CUDA 12.4.1 has no component "cuda_nvcc_typo"' })
})

test('a version without a manifest is a request error, not a guess', async () => {
  const ctx = fakeContext(responses)
  await expect(feature.artifacts({ version: '99.0.0' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toThrow(/unexpected request: .*redistrib_99\.0\.0\.json/)
})

test('smoke test and environment: nvcc --version prints release <major.minor>; CUDA_PATH and CUDA_HOME point at the install', () => {
  expect(feature.bins).toEqual(['bin/nvcc'])
  expect(feature.smokeTest).toEqual({ command: ['bin/nvcc', '--version'], expect: 'release {{major.minor}}, V' })
  expect(feature.env('/opt/hostedtoolcache/cuda/12.4.1/x64')).toEqual({ CUDA_PATH: '/opt/hostedtoolcache/cuda/12.4.1/x64', CUDA_HOME: '/opt/hostedtoolcache/cuda/12.4.1/x64' })
})
