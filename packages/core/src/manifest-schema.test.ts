import { expect, test } from 'vitest'
import { featureFromPackage } from './define.js'
import { parseFeatureManifest } from './manifest-schema.js'
import { RunnerError, isRunnerError } from './errors.js'

const good = {
  id: 'tool', description: 'a tool', toolName: 'tool', defaultVersion: 'latest', upstream: 'https://example.com/',
  platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }],
}

test('a valid block parses', () => {
  expect(parseFeatureManifest(good)).toEqual({ manifest: good })
})

test.each([
  ['platforms is a string (was "manifest.platforms.some is not a function")', { platforms: 'linux' }, 'runner.feature.platforms'],
  ['an arch nobody knows', { platforms: [{ os: 'linux', arch: ['x86'], libc: ['glibc'] }] }, 'runner.feature.platforms[0].arch[0]'],
  ['an id with capitals', { id: 'Tool' }, 'runner.feature.id'],
  ['an upstream without a trailing slash', { upstream: 'https://example.com' }, 'runner.feature.upstream'],
  ['dependsOn entries without a version', { dependsOn: [{ id: 'nodejs' }] }, 'runner.feature.dependsOn[0].version'],
  ['a source of an unknown type', { source: { type: 'ftp' } }, 'runner.feature.source.type'],
  ['a github-release source without checksums', { source: { type: 'github-release', repo: 'a/b', asset: 'x' } }, 'runner.feature.source.checksums'],
])('%s names the field', (_name, patch, field) => {
  const result = parseFeatureManifest({ ...good, ...patch })
  expect('problems' in result && result.problems.join('\n')).toContain(`${field}:`)
})

test('a missing block is a problem, not a crash', () => {
  expect(parseFeatureManifest(undefined)).toEqual({ problems: ['package.json has no runner.feature block'] })
})

test('a feature without bins or smoke test anywhere is PLUGIN_INVALID naming the package', () => {
  expect(() => featureFromPackage({ name: '@acme/tool', runner: { feature: good } })).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID', message: expect.stringContaining('@acme/tool declares no bins and smokeTest') }))
})

test('a second copy of the errors module (as each bundle carries) shares one RunnerError class', async () => {
  const specifier = './errors.js?copy'
  const copy = (await import(specifier)) as typeof import('./errors.js')
  expect(copy).not.toBe(await import('./errors.js'))
  const fromCopy = new copy.RunnerError('PLUGIN_INVALID', 'x')
  expect(fromCopy).toBeInstanceOf(RunnerError)
  expect(isRunnerError(fromCopy)).toBe(true)
  expect(isRunnerError(Object.assign(new Error('x'), { name: 'RunnerError', code: 'PLUGIN_INVALID' }))).toBe(false)
})
