import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { artifactProblems, contractProblems, fakeContext } from '@runner-features/kit/testing'
import { binsFor, parseVersionSpec, resolveVersion, smokeTestFor } from '@runner-features/core'
import feature from './index.js'
import pkg from '../package.json' with { type: 'json' }

const UP = 'https://nodejs.org/dist/'
const index = readFileSync(new URL('../fixtures/index.json', import.meta.url), 'utf8')
const sums = (v: string) => [`${'a'.repeat(64)}  node-v${v}-linux-x64.tar.gz`, `${'b'.repeat(64)} *node-v${v}-linux-arm64.tar.gz`, `${'c'.repeat(64)}  node-v${v}-linux-x64.tar.xz`].join('\n')

test('keeps the plugin contract', () => {
  expect(contractProblems(feature, pkg)).toEqual([])
})

describe('listVersions', () => {
  test('reads versions and LTS codenames from index.json', async () => {
    const ctx = fakeContext({ [`${UP}index.json`]: index })
    const versions = await feature.listVersions(ctx)
    expect(versions.find((v) => v.version === '20.11.1')).toMatchObject({ lts: 'Iron' })
    expect(versions.find((v) => v.version === '22.11.0')).toMatchObject({ lts: 'Jod' })
    expect(versions.find((v) => v.version === '21.7.3')).toMatchObject({ lts: false })
    expect(versions.every((v) => !v.version.startsWith('v'))).toBe(true)
    expect(ctx.requests).toEqual([`${UP}index.json`])
    // lts/<codename> resolves from the index's own lts field, not a table.
    expect(resolveVersion('nodejs', parseVersionSpec('lts/hydrogen'), versions).version).toBe('18.20.4')
  })

  test('an index of the wrong shape is an error, not a crash later', async () => {
    await expect(feature.listVersions(fakeContext({ [`${UP}index.json`]: '{"versions": []}' }))).rejects.toThrow(/UPSTREAM_FORMAT/)
  })
})

test('mirrorIndex: index.json with only the mirrored versions\' entries, as upstream wrote them; lts still resolves from it', async () => {
  const files = await feature.mirrorIndex!(['20.11.1'], fakeContext({ [`${UP}index.json`]: index }))
  expect(files.map((f) => f.url)).toEqual([`${UP}index.json`])
  expect(JSON.parse(files[0]!.body)).toEqual((JSON.parse(index) as { version: string }[]).filter((e) => e.version === 'v20.11.1'))
  const versions = await feature.listVersions(fakeContext({ [`${UP}index.json`]: files[0]!.body }))
  expect(resolveVersion('nodejs', parseVersionSpec('lts'), versions).version).toBe('20.11.1')
})

describe('artifact', () => {
  test.each([
    ['x64', 'a'],
    ['arm64', 'b'],
  ] as const)('linux-%s tarball with its checksum from SHASUMS256.txt', async (arch, hex) => {
    const ctx = fakeContext({ [`${UP}v20.11.1/SHASUMS256.txt`]: sums('20.11.1') })
    const artifact = await feature.artifact({ version: '20.11.1' }, { os: 'linux', arch, libc: 'glibc' }, ctx)
    expect(artifact).toEqual({
      url: `${UP}v20.11.1/node-v20.11.1-linux-${arch}.tar.gz`,
      sha256: hex.repeat(64),
      checksumSource: `${UP}v20.11.1/SHASUMS256.txt`,
      archive: 'tar.gz',
      strip: 1,
    })
    expect(artifactProblems(feature, artifact)).toEqual([])
  })

  // The manifest declares windows x64/arm64; the lock/vendor path is end-to-end tested in
  // packages/cli/test/windows-artifacts.e2e.test.ts.
  test('windows-x64 maps to node-v<V>-win-x64.zip with its own SHASUMS256.txt line, never the Linux one', async () => {
    const listing = `${sums('20.11.1')}\n${'d'.repeat(64)}  node-v20.11.1-win-x64.zip\n${'e'.repeat(64)}  node-v20.11.1-win-x64.7z\n`
    const ctx = fakeContext({ [`${UP}v20.11.1/SHASUMS256.txt`]: listing })
    const artifact = await feature.artifact({ version: '20.11.1' }, { os: 'windows', arch: 'x64', libc: 'glibc' }, ctx)
    expect(artifact).toEqual({
      url: `${UP}v20.11.1/node-v20.11.1-win-x64.zip`,
      sha256: 'd'.repeat(64),
      checksumSource: `${UP}v20.11.1/SHASUMS256.txt`,
      archive: 'zip',
      strip: 1,
    })
    // Bins and smoke test of the zip's layout (node.exe at its top, no bin/).
    expect(binsFor(feature, 'windows')).toEqual(['node.exe', 'npm.cmd', 'npx.cmd', 'corepack.cmd'])
    expect(smokeTestFor(feature, 'windows').command).toEqual(['node.exe', '--version'])
    expect(feature.platforms).toContainEqual({ os: 'windows', arch: ['x64', 'arm64'] })
  })

  test('windows: a SHASUMS256.txt without the zip fails closed', async () => {
    const ctx = fakeContext({ [`${UP}v20.11.1/SHASUMS256.txt`]: sums('20.11.1') })
    await expect(feature.artifact({ version: '20.11.1' }, { os: 'windows', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
  })

  test('a SHASUMS256.txt without the file fails closed', async () => {
    const ctx = fakeContext({ [`${UP}v20.11.1/SHASUMS256.txt`]: `${'a'.repeat(64)}  node-v20.11.1-darwin-x64.tar.gz\n` })
    await expect(feature.artifact({ version: '20.11.1' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
  })
})
