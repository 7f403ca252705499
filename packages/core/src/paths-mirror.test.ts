import { expect, test } from 'vitest'
import { binDir, cacheDir, pluginDirs, stateFile, toolCacheRoot } from './paths.js'
import { mirrorEnvName, mirrorFor, parseMirrorFlags, rebaseUrl } from './mirror.js'
import { RunnerError } from './errors.js'

test.each([
  [{ RUNNER_TOOL_CACHE: '/a', AGENT_TOOLSDIRECTORY: '/b' }, '/a'],
  [{ AGENT_TOOLSDIRECTORY: '/b' }, '/b'],
  [{}, '/opt/hostedtoolcache'],
])('tool cache root %#', (env, expected) => expect(toolCacheRoot(env)).toBe(expected))

test('bin dir: flag, env, root default, user default', () => {
  expect(binDir({ RUNNER_FEATURES_BIN_DIR: '/e' }, 0, '/f')).toBe('/f')
  expect(binDir({ RUNNER_FEATURES_BIN_DIR: '/e' }, 0)).toBe('/e')
  expect(binDir({}, 0)).toBe('/usr/local/bin')
  expect(binDir({ HOME: '/home/runner' }, 1001)).toBe('/home/runner/.local/bin')
})

test('cache, state and plugin dirs', () => {
  expect(cacheDir({ HOME: '/h' })).toBe('/h/.cache/runner-features')
  expect(cacheDir({ RUNNER_FEATURES_CACHE_DIR: '/c' })).toBe('/c')
  expect(stateFile({ RUNNER_TOOL_CACHE: '/t' })).toBe('/t/.runner-features/state.json')
  expect(pluginDirs({ HOME: '/h' }, 1001)).toEqual(['/h/.local/share/runner-features/plugins', '/usr/local/share/runner-features/plugins'])
  expect(pluginDirs({ RUNNER_FEATURES_PLUGINS_DIR: '/p' }, 0)).toEqual(['/p'])
})

test('mirror env names upper-case the id and turn - into _', () => {
  expect(mirrorEnvName('aws-cli')).toBe('RUNNER_FEATURES_MIRROR_AWS_CLI')
})

test('--mirror beats the environment and bases get a trailing slash', () => {
  const flags = parseMirrorFlags(['nodejs=http://127.0.0.1:1/node'])
  expect(mirrorFor('nodejs', flags, { RUNNER_FEATURES_MIRROR_NODEJS: 'http://env/' })).toBe('http://127.0.0.1:1/node/')
  expect(mirrorFor('terraform', flags, { RUNNER_FEATURES_MIRROR_TERRAFORM: 'http://env/hc' })).toBe('http://env/hc/')
  expect(mirrorFor('terraform', flags, {})).toBeUndefined()
})

test.each([['nodejs'], ['=http://x/'], ['nodejs=notaurl'], ['nodejs=file:///srv/node/']])('bad --mirror %s is INVALID_MIRROR', (flag) => {
  expect(() => parseMirrorFlags([flag])).toThrow(expect.objectContaining({ code: 'INVALID_MIRROR' }))
})

test('a bad mirror never echoes credentials', () => {
  try {
    parseMirrorFlags(['nodejs=ftp://user:s3cret@host/'])
  } catch (e) {
    expect((e as RunnerError).message).not.toContain('s3cret')
  }
})

test('URLs inside the upstream are rebased; others are refused with a mirror set', () => {
  const up = 'https://releases.hashicorp.com/'
  expect(rebaseUrl(`${up}terraform/1.5.0/x.zip`, up, 'http://m/hc/')).toBe('http://m/hc/terraform/1.5.0/x.zip')
  expect(rebaseUrl(`${up}a`, up, undefined)).toBe(`${up}a`)
  expect(() => rebaseUrl('https://evil.example/x.zip', up, 'http://m/hc/')).toThrow(expect.objectContaining({ code: 'MIRROR_ESCAPE' }))
})
