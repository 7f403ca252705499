import { describe, expect, test } from 'vitest'
import { parseFeatureRequest, parseVersionSpec, resolveVersion, specAcceptsInstalled, type RemoteVersion } from './version-spec.js'
import { RunnerError } from './errors.js'

// Shape of nodejs.org/dist/index.json entries after the plugin maps them (version without "v").
const NODE: RemoteVersion[] = [
  { version: '22.1.0', lts: false },
  { version: '21.7.3', lts: false },
  { version: '20.20.2', lts: 'Iron' },
  { version: '20.11.1', lts: 'Iron' },
  { version: '20.2.0', lts: false },
  { version: '18.20.8', lts: 'Hydrogen' },
  { version: '16.20.2', lts: 'Gallium' },
  { version: '2.0.0', lts: false },
  { version: '200.1.0', lts: false },
  { version: '23.0.0-rc.1', lts: false },
]
const TF: RemoteVersion[] = ['1.4.7', '1.5.0', '1.5.7', '1.6.0-beta1', '1.6.0', '1.20.1', '1.2.9'].map((version) => ({ version }))

describe('parseVersionSpec', () => {
  test.each([
    ['20.11.1', { kind: 'exact', version: '20.11.1' }],
    ['v20.11.1', { kind: 'exact', version: '20.11.1' }],
    ['20', { kind: 'prefix', parts: [20] }],
    ['20.11', { kind: 'prefix', parts: [20, 11] }],
    ['^20.5', { kind: 'range' }],
    ['~1.5', { kind: 'range' }],
    ['>=1.4 <1.6', { kind: 'range' }],
    ['latest', { kind: 'latest' }],
    ['lts', { kind: 'lts' }],
    ['lts/*', { kind: 'lts' }],
    ['lts/iron', { kind: 'lts', codename: 'iron' }],
    ['lts/Iron', { kind: 'lts', codename: 'iron' }],
    ['lts/-1', { kind: 'lts', back: 1 }],
    ['1.6.0-beta1', { kind: 'exact', prerelease: true }],
  ])('%s', (raw, expected) => {
    expect(parseVersionSpec(raw)).toMatchObject({ raw, ...expected })
  })

  test.each(['banana', '1..2', 'lts/', 'lts/12x', '>=>=1'])('rejects %s with INVALID_SPEC and a hint', (raw) => {
    const err = (() => { try { parseVersionSpec(raw, 'nodejs@x (argument)') } catch (e) { return e } })() as RunnerError
    expect(err).toBeInstanceOf(RunnerError)
    expect(err.code).toBe('INVALID_SPEC')
    expect(err.where).toBe('nodejs@x (argument)')
    expect(err.hint).toMatch(/prefix|lts/)
  })
})

describe('resolveVersion', () => {
  test.each([
    ['nodejs', '20', '20.20.2'],
    ['nodejs', '20.11', '20.11.1'],
    ['nodejs', '20.2', '20.2.0'],
    ['nodejs', '2', '2.0.0'],
    ['nodejs', '200', '200.1.0'],
    ['nodejs', '^20.5', '20.20.2'],
    ['nodejs', 'latest', '200.1.0'],
    ['nodejs', 'lts', '20.20.2'],
    ['nodejs', 'lts/hydrogen', '18.20.8'],
    ['nodejs', 'lts/-1', '18.20.8'],
    ['nodejs', 'lts/-2', '16.20.2'],
    ['nodejs', '23.0.0-rc.1', '23.0.0-rc.1'],
    ['terraform', '1.5.0', '1.5.0'],
    ['terraform', '~1.5', '1.5.7'],
    ['terraform', '>=1.4 <1.6', '1.5.7'],
    ['terraform', '1.2', '1.2.9'],
    ['terraform', '1.20', '1.20.1'],
    ['terraform', '>=1.6.0-beta1 <1.6.0', '1.6.0-beta1'],
    ['terraform', 'latest', '1.20.1'],
  ])('%s@%s → %s', (id, raw, expected) => {
    const versions = id === 'nodejs' ? NODE : TF
    expect(resolveVersion(id, parseVersionSpec(raw), versions).version).toBe(expected)
  })

  test('pre-releases are never picked unless the spec names one', () => {
    expect(resolveVersion('nodejs', parseVersionSpec('23'), [...NODE, { version: '23.0.0', lts: false }]).version).toBe('23.0.0')
    expect(() => resolveVersion('nodejs', parseVersionSpec('23'), NODE)).toThrow(/no release matches/)
  })

  test('a spec that matches nothing lists the nearest versions', () => {
    const err = (() => { try { resolveVersion('terraform', parseVersionSpec('1.99', 'terraform@1.99 (argument)'), TF) } catch (e) { return e } })() as RunnerError
    expect(err.code).toBe('VERSION_NOT_FOUND')
    expect(err.where).toBe('terraform@1.99 (argument)')
    expect(err.hint).toContain('1.20.1')
    expect(err.details?.nearest).toEqual(expect.arrayContaining(['1.20.1']))
  })

  test('lts on a feature without LTS releases says so', () => {
    expect(() => resolveVersion('terraform', parseVersionSpec('lts'), TF)).toThrow(/publishes no LTS/)
  })

  test('an unknown LTS codename lists the known ones', () => {
    const err = (() => { try { resolveVersion('nodejs', parseVersionSpec('lts/banana'), NODE) } catch (e) { return e } })() as RunnerError
    expect(err.hint).toContain('iron')
  })
})

describe('parseFeatureRequest', () => {
  test('bare id gets the default spec', () => {
    expect(parseFeatureRequest('nodejs', 'argument', 'lts')).toMatchObject({ id: 'nodejs', spec: { kind: 'lts' } })
  })
  test.each(['Node@20', '@20', 'node js@20', 'nodejs@'])('rejects %s', (text) => {
    expect(() => parseFeatureRequest(text)).toThrow(RunnerError)
  })
})

test.each([
  ['20', '20.20.2', true],
  ['20', '2.0.0', false],
  ['1.2', '1.20.1', false],
  ['^20.5', '20.11.1', true],
  ['latest', '20.20.2', false],
  ['lts', '20.20.2', false],
])('installed %s accepts %s: %s', (raw, version, expected) => {
  expect(specAcceptsInstalled(parseVersionSpec(raw), version)).toBe(expected)
})
