import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { parseFeatureRequest, resolveVersion } from '@runner-features/core'
import { fakeContext, pluginProblems } from '@runner-features/kit/testing'
import feature from './index.js'

const TAGS = 'https://api.github.com/repos/aws/aws-cli/tags?per_page=100'
const tags = readFileSync(new URL('../fixtures/tags.json', import.meta.url), 'utf8')
const linux = (arch: 'x64' | 'arm64') => ({ os: 'linux' as const, arch, libc: 'glibc' as const })

test('keeps the plugin contract (manifest, README matrix, CHANGELOG, fixture provenance)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('versions: the v2 tags of aws/aws-cli (v1 tags are skipped); latest is the newest v2', async () => {
  const ctx = fakeContext({ [TAGS]: tags })
  const versions = await feature.listVersions(ctx)
  expect(versions.map((v) => v.version)).toEqual(['2.27.49', '2.27.48', '2.27.47', '2.27.46'])
  expect(resolveVersion('aws-cli', parseFeatureRequest('aws-cli').spec, versions).version).toBe('2.27.49')
  expect(ctx.requests).toEqual([TAGS])
})

test('a listing that is not a tag array is UPSTREAM_FORMAT', async () => {
  await expect(feature.listVersions(fakeContext({ [TAGS]: '{"message":"API rate limit exceeded"}' }))).rejects.toThrow(/UPSTREAM_FORMAT/)
})

test.each([
  ['x64', 'x86_64'],
  ['arm64', 'aarch64'],
] as const)('linux-%s: awscli-exe-linux-%s-<V>.zip, no published digest, signed by the AWS CLI Team key shipped in the plugin', async (arch, awsArch) => {
  const [a] = await feature.artifacts!({ version: '2.27.49' }, linux(arch), fakeContext({}))
  const url = `https://awscli.amazonaws.com/awscli-exe-linux-${awsArch}-2.27.49.zip`
  expect(a).toMatchObject({ url, sha256: '', trustOnFirstUse: true, archive: 'zip', strip: 0, checksumSource: `${url}.sig` })
  expect(a!.detachedSignature).toMatchObject({ url: `${url}.sig`, keysSource: '@runner-features/aws-cli/keys/aws-cli-team.asc' })
  expect(a!.detachedSignature!.keys).toContain('mQINBF2Cr7UBEADJZHcgusOJl7ENSyumXh85z0TRV0xJorM2B/JL0kHOyigQluUG')
})

test('post-install runs the bundled installer into the install dir; glibc only', () => {
  expect(feature.postInstall!('/tc/aws-cli/2.27.49/x64', '2.27.49', {})).toEqual([
    { description: 'aws/install (the AWS CLI installer in the zip)', command: ['aws/install', '-i', '/tc/aws-cli/2.27.49/x64/aws-cli', '-b', '/tc/aws-cli/2.27.49/x64/bin'] },
  ])
  expect(feature.platforms).toEqual([{ os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc'] }])
})
