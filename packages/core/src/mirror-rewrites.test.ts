import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { applyMirrorRewrites, assertNetworkAllowed, networkPolicy, parseMirrorRewrites } from './mirror-rewrites.js'

describe('parseMirrorRewrites / applyMirrorRewrites', () => {
  const rules = parseMirrorRewrites('https://github.com/mikefarah/=http://m.example/gh/mf/,https://github.com/=http://m.example/gh/,https://nodejs.org/dist/=/srv/node/', 'ENV')

  test.each([
    ['https://github.com/mikefarah/yq/releases/download/v4/yq', 'http://m.example/gh/mf/yq/releases/download/v4/yq'],
    ['https://github.com/jqlang/jq/releases/download/jq-1.7/jq', 'http://m.example/gh/jqlang/jq/releases/download/jq-1.7/jq'],
    ['https://nodejs.org/dist/index.json', 'file:///srv/node/index.json'],
    ['https://releases.hashicorp.com/terraform/index.json', 'https://releases.hashicorp.com/terraform/index.json'],
  ])('%s → %s (first match wins, directories become file://)', (url, expected) => {
    expect(applyMirrorRewrites(url, rules)).toBe(expected)
  })

  test.each([
    ['nodejs.org/dist/=http://m/', 'is not an http(s) URL'],
    ['https://nodejs.org/dist/', 'is not <url prefix>=<replacement>'],
    ['https://nodejs.org/dist/=ftp://m/', 'mirror scheme ftp: is not supported'],
    ['https://nodejs.org/dist/=http://m/node', 'must both end in "/" or neither'],
  ])('%s is INVALID_MIRROR (%s)', (text, message) => {
    expect(() => parseMirrorRewrites(text, 'RUNNER_FEATURES_MIRRORS')).toThrow(expect.objectContaining({ code: 'INVALID_MIRROR', where: 'RUNNER_FEATURES_MIRRORS', message: expect.stringContaining(message) }))
  })

  test('a rules file names the line of a bad rule; comments and blank lines are skipped', () => {
    expect(() => parseMirrorRewrites('# mirrors\n\nhttps://a.example/=http://m/a/\nnonsense\n', 'mirrors.txt')).toThrow(expect.objectContaining({ where: 'mirrors.txt:4' }))
  })
})

describe('networkPolicy / assertNetworkAllowed', () => {
  test('env rules come before the file rules and the config; mirrorsOnly allows only the replacements\' origins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rf-mirrors-'))
    await writeFile(join(dir, 'm.txt'), 'https://a.example/=http://file-mirror.example/a/\n')
    const policy = networkPolicy({ RUNNER_FEATURES_MIRRORS: 'https://a.example/=http://env-mirror.example/a/', RUNNER_FEATURES_MIRRORS_FILE: join(dir, 'm.txt'), RUNNER_FEATURES_MIRRORS_ONLY: '1' })
    expect(applyMirrorRewrites('https://a.example/x', policy.rewrites)).toBe('http://env-mirror.example/a/x')
    expect(() => assertNetworkAllowed('http://file-mirror.example/a/x', policy)).not.toThrow()
    expect(() => assertNetworkAllowed('https://b.example/x', policy)).toThrow(expect.objectContaining({ code: 'MIRROR_REQUIRED', where: 'https://b.example/x' }))
    expect(() => assertNetworkAllowed('https://a.example/x', networkPolicy({}))).not.toThrow()
  })

  test('offline refuses every network URL (credentials redacted) and allows file://', () => {
    const offline = networkPolicy({ RUNNER_FEATURES_OFFLINE: '1' })
    expect(() => assertNetworkAllowed('file:///srv/node/index.json', offline)).not.toThrow()
    const err = (() => {
      try {
        assertNetworkAllowed('https://user:secret@mirror.example/node/index.json', offline, 'the nodejs index')
      } catch (e) {
        return e as Error & { code: string }
      }
    })()
    expect(err?.code).toBe('OFFLINE_UNAVAILABLE')
    expect(err?.message).toContain('the nodejs index')
    expect(err?.message).not.toContain('secret')
  })

  test('a missing rules file is INVALID_MIRROR naming the variable', () => {
    expect(() => networkPolicy({ RUNNER_FEATURES_MIRRORS_FILE: '/nonexistent/mirrors.txt' })).toThrow(expect.objectContaining({ code: 'INVALID_MIRROR', where: 'RUNNER_FEATURES_MIRRORS_FILE' }))
  })
})
