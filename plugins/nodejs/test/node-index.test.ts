import { readFileSync } from 'node:fs'
import { describe, expect, it, test } from 'vitest'
import { filesToken, formatIndexJson, formatIndexTab, mergeIndex, parseIndexTab, TAB_COLUMNS, type NodeIndexEntry } from '../fixtures/node-index.ts'
import { releaseFromChangelog } from '../fixtures/mirror.ts'

const tab = readFileSync(new URL('../fixtures/index.tab', import.meta.url), 'utf8')
const json = JSON.parse(readFileSync(new URL('../fixtures/index.json', import.meta.url), 'utf8')) as NodeIndexEntry[]

const entry = (version: string, lts: string | false = false): NodeIndexEntry => ({ version, date: '2024-01-01', files: ['linux-x64'], lts, security: false })

describe('index.tab / index.json fixtures', () => {
  it('index.json is index.tab converted, value for value and in upstream key order', () => {
    expect(parseIndexTab(tab)).toEqual(json)
    for (const e of json) expect(Object.keys(e)).toEqual(TAB_COLUMNS.filter((c) => c in e))
  })

  it('formatting the parsed tab gives the real bytes back', () => {
    expect(formatIndexTab(parseIndexTab(tab))).toBe(tab)
  })

  it('keeps entries byte-identical to a real index.json copy (setup-node __tests__/data/node-dist-index.json)', () => {
    const real = '{"version":"v12.16.3","date":"2020-04-28","files":["aix-ppc64","headers","linux-arm64","linux-armv7l","linux-ppc64le","linux-s390x","linux-x64","osx-x64-pkg","osx-x64-tar","src","sunos-x64","win-x64-7z","win-x64-exe","win-x64-msi","win-x64-zip","win-x86-7z","win-x86-exe","win-x86-msi","win-x86-zip"],"npm":"6.14.4","v8":"7.8.279.23","uv":"1.34.2","zlib":"1.2.11","openssl":"1.1.1g","modules":"72","lts":"Erbium","security":false}'
    expect(JSON.stringify(json.find((e) => e.version === 'v12.16.3'))).toBe(real)
  })

  it('writes index.json one entry per line, like nodejs-dist-indexer', () => {
    const text = formatIndexJson(json.slice(0, 2))
    expect(text.split('\n')).toEqual(['[', `${JSON.stringify(json[0])},`, JSON.stringify(json[1]), ']', ''])
  })

  it('rejects a file that is not index.tab', () => {
    expect(() => parseIndexTab('[{"version":"v1.0.0"}]')).toThrow(/unexpected header/)
  })
})

describe('mergeIndex', () => {
  const real = [entry('v22.11.0', 'Jod'), entry('v21.7.3'), entry('v20.18.0', 'Iron'), entry('v20.9.0', 'Iron'), entry('v18.20.4', 'Hydrogen')]

  test.each([
    ['adds a newer version of a listed major on top of it', ['v20.20.2'], ['v22.11.0', 'v21.7.3', 'v20.20.2', 'v20.18.0', 'v20.9.0', 'v18.20.4']],
    ['drops real entries newer than what was built in that major', ['v20.10.0'], ['v22.11.0', 'v21.7.3', 'v20.10.0', 'v20.9.0', 'v18.20.4']],
    ['replaces a real entry of the same version', ['v20.18.0'], ['v22.11.0', 'v21.7.3', 'v20.18.0', 'v20.9.0', 'v18.20.4']],
    ['handles several majors', ['v18.19.0', 'v20.20.2'], ['v22.11.0', 'v21.7.3', 'v20.20.2', 'v20.18.0', 'v20.9.0', 'v18.19.0']],
  ])('%s', (_name, built, expected) => {
    const merged = mergeIndex(real, built.map((v) => ({ ...entry(v), npm: 'built' })))
    expect(merged.map((e) => e.version)).toEqual(expected)
    for (const v of built) expect(merged.find((e) => e.version === v)?.npm).toBe('built')
  })

  it('sorts numerically, not as strings (20.9 < 20.10)', () => {
    expect(mergeIndex([entry('v20.9.0'), entry('v20.10.0')], []).map((e) => e.version)).toEqual(['v20.10.0', 'v20.9.0'])
  })
})

test.each([
  ['node-v20.20.2-linux-x64.tar.gz', 'linux-x64'],
  ['node-v20.20.2-linux-arm64.tar.xz', 'linux-arm64'],
  ['SHASUMS256.txt', undefined],
  ['node-v20.20.2-darwin-x64.tar.gz', undefined],
])('filesToken(%s) = %s', (name, token) => {
  expect(filesToken(name)).toBe(token)
})

describe('releaseFromChangelog', () => {
  const changelog = [
    '<a id="20.20.2"></a>',
    '',
    "## 2026-03-24, Version 20.20.2 'Iron' (LTS), @marco-ippolito",
    '',
    'This is a security release.',
    '',
    '<a id="20.20.1"></a>',
    '',
    "## 2026-03-05, Version 20.20.1 'Iron' (LTS), @marco-ippolito",
    '',
    '### Notable Changes',
    '',
    '<a id="23.0.0"></a>',
    '## 2024-10-16, Version 23.0.0 (Current), @RafaelGSS',
  ].join('\n')

  test.each([
    ['20.20.2', { date: '2026-03-24', lts: 'Iron', security: true }],
    ['20.20.1', { date: '2026-03-05', lts: 'Iron', security: false }],
    ['23.0.0', { date: '2024-10-16', lts: false, security: false }],
  ])('%s', (version, expected) => {
    expect(releaseFromChangelog(changelog, version)).toEqual(expected)
  })

  it('refuses to guess when the release is not in the changelog', () => {
    expect(() => releaseFromChangelog(changelog, '20.2.0')).toThrow(/no "## <date>, Version 20.2.0" heading/)
  })
})
