import { describe, expect, test } from 'vitest'
import { parseSha256Sums, parseSingleSha256 } from './checksums.js'

// Two real lines of PowerShell hashes.sha256 assets (see plugins/powershell/fixtures/README.md).
const realLines = '32eb8f6cdce08f86e987d625a2733e54ac3e289ae7e1621b14c0b5bcec2434ea *PowerShell-7.6.5-win-x64.zip\r\n73601859461b130ee1e6624f0683000a794cbe86db0f4ff9f2ce2a7d4f5f6a01 *powershell-7.4.13-1.cm.aarch64.rpm\r\n'

/** What core's `ctx.http.text` hands a source: the bytes decoded as UTF-8 (Buffer#toString). */
const ENCODINGS = {
  'UTF-8': (s: string) => Buffer.from(s, 'utf8'),
  'UTF-8 with BOM': (s: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')]),
  'UTF-16LE with BOM (PowerShell 7.5.2+)': (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]),
  'UTF-16LE without BOM': (s: string) => Buffer.from(s, 'utf16le'),
  'UTF-16BE with BOM': (s: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]),
} as const

describe('parseSha256Sums', () => {
  test.each(Object.entries(ENCODINGS))('reads real lines encoded as %s', (_name, encode) => {
    expect([...parseSha256Sums(encode(realLines).toString('utf8'), 'hashes.sha256')]).toEqual([
      ['PowerShell-7.6.5-win-x64.zip', '32eb8f6cdce08f86e987d625a2733e54ac3e289ae7e1621b14c0b5bcec2434ea'],
      ['powershell-7.4.13-1.cm.aarch64.rpm', '73601859461b130ee1e6624f0683000a794cbe86db0f4ff9f2ce2a7d4f5f6a01'],
    ])
  })

  test('upper-case hex, text-mode separators and LF endings are accepted', () => {
    expect(parseSha256Sums(`${'AB'.repeat(32)}  a.tar.gz\n${'cd'.repeat(32)} b.tar.gz\n`, 'h')).toEqual(new Map([['a.tar.gz', 'ab'.repeat(32)], ['b.tar.gz', 'cd'.repeat(32)]]))
  })

  test.each([
    ['a short hash', `${'a'.repeat(63)} *p.tar.gz`],
    ['a non-hex hash', `${'g'.repeat(64)} *p.tar.gz`],
    ['an HTML page', '<html>Not Found</html>'],
    ['a non-ASCII file name', `${'a'.repeat(64)} *p.tar.gz\u00e9`],
    ['a name with a control character', `${'a'.repeat(64)} *p\x01.tar.gz`],
  ])('%s is UPSTREAM_FORMAT with the line number', (_name, text) => {
    expect(() => parseSha256Sums(text, 'https://m/SUMS')).toThrow(expect.objectContaining({ code: 'UPSTREAM_FORMAT', where: 'https://m/SUMS:1' }))
  })

  test('a file listed twice with different hashes is refused (fail closed)', () => {
    expect(() => parseSha256Sums(`${'a'.repeat(64)} *p.tar.gz\r\n${'b'.repeat(64)} *p.tar.gz\r\n`, 'h')).toThrow(expect.objectContaining({ code: 'UPSTREAM_FORMAT', message: expect.stringContaining('listed twice') }))
  })
})

describe('parseSingleSha256', () => {
  test.each([
    ['the hash alone', `${'A'.repeat(64)}\n`],
    ['the hash and the file name', `${'a'.repeat(64)}  tool.tar.gz\n`],
    ['binary mode', `${'a'.repeat(64)} *tool.tar.gz`],
  ])('%s', (_name, text) => {
    expect(parseSingleSha256(text, 'tool.tar.gz', 's')).toBe('a'.repeat(64))
  })

  test.each([['an HTML page', '<html>404</html>'], ['another file name', `${'a'.repeat(64)}  other.tar.gz`], ['empty', '']])('%s is UPSTREAM_FORMAT', (_name, text) => {
    expect(() => parseSingleSha256(text, 'tool.tar.gz', 's')).toThrow(expect.objectContaining({ code: 'UPSTREAM_FORMAT' }))
  })
})
