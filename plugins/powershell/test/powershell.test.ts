import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { artifactsFor, parseFeatureRequest, resolveVersion } from '@runner-features/core'
import { defineFeature } from '@runner-features/kit'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import pkg from '../package.json' with { type: 'json' }

// PowerShell is declarative (a github-release source in package.json): this is the feature core builds.
const feature = defineFeature(pkg)
const UP = 'https://github.com/PowerShell/PowerShell/'
const API = 'https://api.github.com/repos/PowerShell/PowerShell/releases?per_page=100&page=1'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const releases = fixture('releases.json')
const realLines = fixture('hashes-lines.txt')

/** What core's `ctx.http.text` hands a source: the bytes decoded as UTF-8 (Buffer#toString). */
const asCoreText = (bytes: Buffer) => bytes.toString('utf8')
const utf16leWithBom = (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])

test('keeps the plugin contract (folder, README matrix, no code)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

describe('versions', () => {
  test('come from the releases API (one page), v stripped, dates from published_at; latest skips the preview', async () => {
    const ctx = fakeContext({ [API]: releases })
    const versions = await feature.listVersions(ctx)
    expect(ctx.requests).toEqual([API])
    expect(versions).toEqual([{ version: '7.2.0-preview.5', date: '2021-04-14' }, { version: '7.1.3', date: '2021-03-11' }])
    expect(resolveVersion('powershell', parseFeatureRequest('powershell', 'argument', pkg.runner.feature.defaultVersion).spec, versions)).toMatchObject({ version: '7.1.3' })
    expect(resolveVersion('powershell', parseFeatureRequest('powershell@7.2.0-preview.5').spec, versions)).toMatchObject({ version: '7.2.0-preview.5' })
  })

  test.each([
    ['an HTML error page', '<!DOCTYPE html><html><body>rate limited</body></html>'],
    ['an API error object', '{"message":"API rate limit exceeded for 203.0.113.7."}'],
  ])('%s is an error, never "no releases"', async (_name, body) => {
    await expect(feature.listVersions(fakeContext({ [API]: body }))).rejects.toThrow()
  })
})

describe('artifact', () => {
  const hashes = (version: string) => [
    `${'1'.repeat(64)} *powershell-${version}-linux-x64.tar.gz`,
    `${'2'.repeat(64)} *powershell-${version}-linux-arm64.tar.gz`,
    `${'3'.repeat(64)} *powershell-${version}-linux-musl-x64.tar.gz`,
    `${'4'.repeat(64)} *powershell-${version}-linux-arm32.tar.gz`,
  ].join('\r\n')

  test.each([
    ['x64', 'glibc', 'linux-x64', '1'],
    ['arm64', 'glibc', 'linux-arm64', '2'],
    ['x64', 'musl', 'linux-musl-x64', '3'],
  ] as const)('linux %s %s → %s tarball under releases/download/v<V>/, hash from hashes.sha256 (UTF-16LE)', async (arch, libc, suffix, digit) => {
    const ctx = fakeContext({ [`${UP}releases/download/v7.4.6/hashes.sha256`]: asCoreText(utf16leWithBom(hashes('7.4.6'))) })
    const [artifact] = await artifactsFor(feature, { version: '7.4.6' }, { os: 'linux', arch, libc }, ctx)
    expect(artifact).toEqual({
      url: `${UP}releases/download/v7.4.6/powershell-7.4.6-${suffix}.tar.gz`,
      sha256: digit.repeat(64),
      checksumSource: `${UP}releases/download/v7.4.6/hashes.sha256`,
      archive: 'tar.gz',
      strip: 0,
    })
    expect(artifactProblems(feature, artifact!)).toEqual([])
  })

  test('the real hashes.sha256 lines parse in the encodings upstream ships', async () => {
    const body = realLines.replaceAll('PowerShell-7.6.5-win-x64.zip', 'powershell-7.6.5-linux-x64.tar.gz')
    const ctx = fakeContext({ [`${UP}releases/download/v7.6.5/hashes.sha256`]: asCoreText(utf16leWithBom(body)) })
    const [artifact] = await artifactsFor(feature, { version: '7.6.5' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)
    expect(artifact!.sha256).toBe('32eb8f6cdce08f86e987d625a2733e54ac3e289ae7e1621b14c0b5bcec2434ea')
  })

  test('a release whose hashes.sha256 lacks the tarball is CHECKSUM_MISSING (never unverified)', async () => {
    const ctx = fakeContext({ [`${UP}releases/download/v7.4.6/hashes.sha256`]: hashes('7.4.6').replace(/.*linux-x64.*\r\n/, '') })
    await expect(artifactsFor(feature, { version: '7.4.6' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
  })

  test('musl arm64 is UNSUPPORTED_PLATFORM before any request', async () => {
    const ctx = fakeContext({})
    await expect(artifactsFor(feature, { version: '7.4.6' }, { os: 'linux', arch: 'arm64', libc: 'musl' }, ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM' })
    expect(ctx.requests).toEqual([])
  })
})
