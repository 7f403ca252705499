import { describe, expect, test } from 'vitest'
import { RunnerError, featureFromPackage, type FeatureContext } from '@runner-features/core'
import { staticMirrorPath, trimmedIndex, withMirrorSource } from './mirror-index.js'

describe('staticMirrorPath: where a static server (python3 -m http.server, a file:// mirror) finds a URL', () => {
  test.each([
    ['https://nodejs.org/dist/index.json', 'nodejs.org/dist/index.json'],
    ['https://go.dev/dl/?mode=json&include=all', 'go.dev/dl/index.html'],
    ['https://api.github.com/repos/mikefarah/yq/releases?per_page=100&page=1', 'api.github.com/repos/mikefarah/yq/releases'],
    ['https://api.github.com/repos/mikefarah/yq/releases?per_page=100&page=2', 'api.github.com/repos/mikefarah/yq/releases'],
    ['https://github.com/jqlang/jq/releases/download/jq-1.7.1/sha256sum.txt', 'github.com/jqlang/jq/releases/download/jq-1.7.1/sha256sum.txt'],
    ['https://example.com/', 'example.com/index.html'],
  ])('%s → %s', (url, path) => {
    expect(staticMirrorPath(url)).toBe(path)
  })

  test('a path that would leave the mirror root is refused', () => {
    expect(() => staticMirrorPath('https://example.com/a/b%00')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => staticMirrorPath('https://example.com/a%2Fb')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

const ctxServing = (routes: Record<string, string>): FeatureContext => ({
  platform: { os: 'linux', arch: 'x64', libc: 'glibc', distro: { id: 'debian', versionId: '12', idLike: [], family: 'debian' } },
  http: {
    text: async (url) => routes[url] ?? Promise.reject(new Error(`unexpected request: ${url}`)),
    json: async (url) => JSON.parse(routes[url] ?? 'null'),
  },
  exec: async () => { throw new Error('no processes') },
  logger: { info() {}, warn() {}, debug() {} },
  signal: new AbortController().signal,
})

const manifest = {
  id: 'tool', description: 'a tool', toolName: 'tool', defaultVersion: 'latest', upstream: 'https://github.com/acme/tool/',
  platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }], bins: ['tool'], smokeTest: { command: ['tool'], expect: '{{version}}' },
  source: { type: 'github-release', repo: 'acme/tool', asset: 'tool', checksums: { asset: 'SUMS' } },
}
const API1 = 'https://api.github.com/repos/acme/tool/releases?per_page=100&page=1'

describe('trimmedIndex', () => {
  test('the trimmed files, once listVersions reading them as a static mirror serves them lists the locked version', async () => {
    const tool = featureFromPackage({ name: '@acme/tool', runner: { feature: manifest } })
    const got = await trimmedIndex(tool, '1.2.0', ctxServing({ [API1]: JSON.stringify([{ tag_name: 'v1.3.0' }, { tag_name: 'v1.2.0' }]) }))
    expect(got).toEqual({ files: [{ url: API1, body: '[{"tag_name":"v1.2.0"}]\n' }] })
  })

  test('frozen-only, with the reason, when the upstream no longer lists the locked version', async () => {
    const tool = featureFromPackage({ name: '@acme/tool', runner: { feature: manifest } })
    expect(await trimmedIndex(tool, '1.2.0', ctxServing({ [API1]: JSON.stringify([{ tag_name: 'v1.3.0' }]) }))).toEqual({ frozenOnly: 'the upstream index no longer lists 1.2.0' })
  })

  test('a distro-package feature (version system) needs no index and is not frozen-only', async () => {
    const tool = featureFromPackage({ name: '@acme/tool', runner: { feature: manifest } }, { listVersions: async () => [] })
    expect(await trimmedIndex(tool, 'system', ctxServing({}))).toEqual({ files: [] })
  })

  test('frozen-only for a plugin without mirrorIndex, before any request', async () => {
    const tool = featureFromPackage({ name: '@acme/tool', runner: { feature: manifest } }, { listVersions: async () => [{ version: '1.2.0' }] })
    expect(await trimmedIndex(tool, '1.2.0', ctxServing({}))).toEqual({ frozenOnly: 'the tool plugin does not say how to trim its version index (no mirrorIndex)' })
  })

  test('frozen-only, naming the error, when the index cannot be read (the mirror is still built for frozen installs)', async () => {
    const tool = featureFromPackage({ name: '@acme/tool', runner: { feature: manifest } }, {
      mirrorIndex: async () => { throw new RunnerError('OFFLINE_UNAVAILABLE', 'offline, and not cached', { where: 'https://api.github.com/repos/acme/tool/releases' }) },
    })
    expect(await trimmedIndex(tool, '1.2.0', ctxServing({}))).toEqual({ frozenOnly: 'its version index could not be read: OFFLINE_UNAVAILABLE: https://api.github.com/repos/acme/tool/releases: offline, and not cached' })
  })

  test('frozen-only when the trimmed files miss one that listVersions reads', async () => {
    const tool = featureFromPackage({ name: '@acme/tool', runner: { feature: manifest } }, {
      listVersions: async (ctx) => [{ version: await ctx.http.text('https://github.com/acme/tool/VERSION') }],
      mirrorIndex: async () => [{ url: 'https://github.com/acme/tool/OTHER', body: '1.2.0' }],
    })
    const got = await trimmedIndex(tool, '1.2.0', ctxServing({}))
    expect(got).toEqual({ frozenOnly: expect.stringContaining('not among the trimmed index files') })
  })
})

describe('withMirrorSource', () => {
  const notFound = new RunnerError('VERSION_NOT_FOUND', 'no release matches', { where: 'nodejs@18 (argument)', hint: 'nearest: 20.20.2', details: { nearest: ['20.20.2'] } })
  const rewritten = { http: { resolve: (u: string) => u.replace('https://nodejs.org/', 'http://user:secret@mirror:8080/nodejs.org/') }, upstream: 'https://nodejs.org/dist/' }

  test('names the mirror (credentials redacted) the versions came from, and what to do', () => {
    const err = withMirrorSource(notFound, (id) => (id === 'nodejs' ? rewritten : undefined)) as RunnerError
    expect(err.message).toBe('no release matches among the versions the mirror http://***@mirror:8080/nodejs.org/dist/ lists')
    expect(err.where).toBe('nodejs@18 (argument)')
    expect(err.hint).toBe('nearest: 20.20.2; the mirror holds only some versions (one made by `runner features mirror build`: the locked ones): ask for one it has, or lock nodejs@<version> and rebuild the mirror')
    expect(err.details).toEqual({ nearest: ['20.20.2'] })
  })

  test('the upstream itself, or another error, is left as it was', () => {
    expect(withMirrorSource(notFound, () => ({ http: { resolve: (u: string) => u }, upstream: 'https://nodejs.org/dist/' }))).toBe(notFound)
    const other = new RunnerError('DOWNLOAD_FAILED', 'HTTP 500', { where: 'nodejs@18 (argument)' })
    expect(withMirrorSource(other, () => rewritten)).toBe(other)
  })
})
