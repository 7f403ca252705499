import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { artifactProblems, contractProblems, fakeContext, platformMatrixMarkdown } from '@runner-features/kit'
import { parseFeatureRequest, resolveVersion } from '@runner-features/core'
import feature, { tarballName } from './index.js'
import { parseReleasesAtom } from './atom.js'
import { normalizeHashesText, parseHashesSha256 } from './hashes.js'
import pkg from '../package.json' with { type: 'json' }

const UP = 'https://github.com/PowerShell/PowerShell/'
const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')
const atom = fixture('releases.atom')
const realLines = fixture('hashes-lines.txt')

/** What core's `ctx.http.text` hands a plugin: the bytes decoded as UTF-8 (Buffer#toString). */
const asCoreText = (bytes: Buffer) => bytes.toString('utf8')
const ENCODINGS = {
  'UTF-8': (s: string) => Buffer.from(s, 'utf8'),
  'UTF-8 with BOM': (s: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')]),
  'UTF-16LE with BOM (7.5.2+)': (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]),
  'UTF-16LE without BOM': (s: string) => Buffer.from(s, 'utf16le'),
  'UTF-16BE with BOM': (s: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]),
} as const

test('keeps the plugin contract', () => {
  expect(contractProblems(feature, pkg)).toEqual([])
})

test('the README shows the generated platform matrix', () => {
  expect(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).toContain(platformMatrixMarkdown(feature))
})

describe('releases.atom', () => {
  test('versions come from the entry ids, v stripped, dates from <updated>', () => {
    expect(parseReleasesAtom(atom, 'feed')).toEqual([
      { version: '7.2.0-preview.5', date: '2021-04-14' },
      { version: '7.1.3', date: '2021-03-11' },
    ])
  })

  test('listVersions reads <upstream>releases.atom; latest skips the preview, an exact preview resolves', async () => {
    const ctx = fakeContext({ [`${UP}releases.atom`]: atom })
    const versions = await feature.listVersions(ctx)
    expect(ctx.requests).toEqual([`${UP}releases.atom`])
    expect(resolveVersion('powershell', parseFeatureRequest('powershell', 'argument', pkg.runner.feature.defaultVersion).spec, versions)).toMatchObject({ version: '7.1.3' })
    expect(resolveVersion('powershell', parseFeatureRequest('powershell@7.2.0-preview.5').spec, versions)).toMatchObject({ version: '7.2.0-preview.5' })
  })

  test.each([
    ['one entry (the parser must still see a list)', atom.replace(/<entry>[\s\S]*?<\/entry>\s*(?=<entry>)/, ''), ['7.1.3']],
    ['no entries (a repository without releases)', atom.replace(/<entry>[\s\S]*<\/entry>/, ''), []],
    ['an id that is not a GitHub release id falls back to the alternate link', atom.replace('tag:github.com,2008:Repository/49609581/v7.1.3', 'urn:x'), ['7.2.0-preview.5', '7.1.3']],
    ['tags that are not v<semver> are skipped', atom.replace('/v7.1.3</id>', '/nightly-2021</id>'), ['7.2.0-preview.5']],
    ['a repeated entry is listed once', atom.replace('</feed>', `${/<entry>[\s\S]*?<\/entry>/.exec(atom)![0]}</feed>`), ['7.2.0-preview.5', '7.1.3']],
    ['markup inside <content> cannot add versions', atom.replace('&lt;h2&gt;[7.1.3]', '<entry><id>tag:github.com,2008:Repository/1/v9.9.9</id></entry>'), ['7.2.0-preview.5', '7.1.3']],
  ])('%s', (_name, xml, expected) => {
    expect(parseReleasesAtom(xml, 'feed').map((v) => v.version)).toEqual(expected)
  })

  test.each([
    ['an HTML error page', '<!DOCTYPE html><html><body>rate limited</body></html>'],
    ['JSON from the releases API', '[{"tag_name":"v7.4.6"}]'],
    ['truncated XML', atom.slice(0, 400)],
    ['an RSS feed', '<?xml version="1.0"?><rss version="2.0"><channel><item><title>v7.4.6</title></item></channel></rss>'],
  ])('%s is UPSTREAM_FORMAT, never "no releases"', (_name, body) => {
    expect(() => parseReleasesAtom(body, 'https://mirror/releases.atom')).toThrow(expect.objectContaining({ code: 'UPSTREAM_FORMAT', where: 'https://mirror/releases.atom' }))
  })
})

describe('hashes.sha256', () => {
  test.each(Object.entries(ENCODINGS))('reads the real lines encoded as %s', (_name, encode) => {
    const sums = parseHashesSha256(asCoreText(encode(realLines)), 'hashes.sha256')
    expect([...sums]).toEqual([
      ['PowerShell-7.6.5-win-x64.zip', '32eb8f6cdce08f86e987d625a2733e54ac3e289ae7e1621b14c0b5bcec2434ea'],
      ['powershell-7.4.13-1.cm.aarch64.rpm', '73601859461b130ee1e6624f0683000a794cbe86db0f4ff9f2ce2a7d4f5f6a01'],
    ])
  })

  test('upper-case hex, text-mode separators and LF endings are accepted', () => {
    const text = `${'AB'.repeat(32)}  powershell-7.4.6-linux-x64.tar.gz\n${'cd'.repeat(32)} powershell-7.4.6-linux-arm64.tar.gz\n`
    expect(parseHashesSha256(text, 'h')).toEqual(new Map([
      ['powershell-7.4.6-linux-x64.tar.gz', 'ab'.repeat(32)],
      ['powershell-7.4.6-linux-arm64.tar.gz', 'cd'.repeat(32)],
    ]))
  })

  test.each([
    ['a short hash', `${'a'.repeat(63)} *powershell-7.4.6-linux-x64.tar.gz`],
    ['a non-hex hash', `${'g'.repeat(64)} *powershell-7.4.6-linux-x64.tar.gz`],
    ['an HTML page', '<html>Not Found</html>'],
    ['a non-ASCII file name (not a release asset)', `${'a'.repeat(64)} *powershell-7.4.6-linux-x64.tar.gz\u00e9`],
    ['a name with a control character', `${'a'.repeat(64)} *powershell\x01.tar.gz`],
  ])('%s is UPSTREAM_FORMAT with the line number', (_name, text) => {
    expect(() => parseHashesSha256(text, 'https://m/hashes.sha256')).toThrow(expect.objectContaining({ code: 'UPSTREAM_FORMAT', where: 'https://m/hashes.sha256:1' }))
  })

  test('a file listed twice with different hashes is refused (fail closed)', () => {
    const text = `${'a'.repeat(64)} *p.tar.gz\r\n${'b'.repeat(64)} *p.tar.gz\r\n`
    expect(() => parseHashesSha256(text, 'h')).toThrow(expect.objectContaining({ code: 'UPSTREAM_FORMAT', message: expect.stringContaining('listed twice') }))
  })

  test('normalizing leaves plain UTF-8 text alone', () => {
    expect(normalizeHashesText(realLines)).toBe(realLines)
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
    const body = asCoreText(ENCODINGS['UTF-16LE with BOM (7.5.2+)'](hashes('7.4.6')))
    const ctx = fakeContext({ [`${UP}releases/download/v7.4.6/hashes.sha256`]: body })
    const artifact = await feature.artifact({ version: '7.4.6' }, { os: 'linux', arch, libc }, ctx)
    expect(artifact).toEqual({
      url: `${UP}releases/download/v7.4.6/powershell-7.4.6-${suffix}.tar.gz`,
      sha256: digit.repeat(64),
      checksumSource: `${UP}releases/download/v7.4.6/hashes.sha256`,
      archive: 'tar.gz',
      strip: 0,
    })
    expect(artifactProblems(feature, artifact)).toEqual([])
  })

  test('a release whose hashes.sha256 lacks the tarball is CHECKSUM_MISSING (never unverified)', async () => {
    const ctx = fakeContext({ [`${UP}releases/download/v7.4.6/hashes.sha256`]: hashes('7.4.6').replace(/.*linux-x64.*\r\n/, '') })
    await expect(feature.artifact({ version: '7.4.6' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
  })

  test('musl arm64 is UNSUPPORTED_PLATFORM before any request', async () => {
    const ctx = fakeContext({})
    await expect(feature.artifact({ version: '7.4.6' }, { os: 'linux', arch: 'arm64', libc: 'musl' }, ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM' })
    expect(() => tarballName('7.4.6', { arch: 'arm64', libc: 'musl' })).toThrow(/no musl build for arm64/)
  })
})
