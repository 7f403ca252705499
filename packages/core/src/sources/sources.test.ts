import { describe, expect, test } from 'vitest'
import { fakeContext } from '../testing/fake-context.js'
import type { FeatureManifest, SourceDeclaration } from '../feature.js'
import { featureFromPackage } from '../define.js'
import { artifactsFor } from '../artifacts.js'
import { rebaseUrl } from '../mirror.js'
import { githubAuthHeaders } from './index.js'
import { RunnerError } from '../errors.js'

const base: Omit<FeatureManifest, 'upstream' | 'source'> = {
  id: 'tool', description: 'a tool', toolName: 'tool', defaultVersion: 'latest',
  platforms: [{ os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc', 'musl'] }],
  bins: ['tool'], smokeTest: { command: ['tool', '--version'], expect: '{{version}}' },
}
const pkgOf = (upstream: string, source: SourceDeclaration, extra: Partial<FeatureManifest> = {}) => ({ name: '@acme/tool', runner: { feature: { ...base, upstream, source, ...extra } } })
const x64 = { os: 'linux', arch: 'x64', libc: 'glibc' } as const
const arm64 = { os: 'linux', arch: 'arm64', libc: 'glibc' } as const
const hex = (c: string) => c.repeat(64)

describe('github-release', () => {
  const API = (page: number) => `https://api.github.com/repos/jqlang/jq/releases?per_page=100&page=${page}`
  const DL = 'https://github.com/jqlang/jq/releases/download/'
  const jq = featureFromPackage(pkgOf('https://github.com/jqlang/jq/', {
    type: 'github-release', repo: 'jqlang/jq', tag: 'jq-{version}', asset: 'jq-{os}-{arch}', arch: { x64: 'amd64' }, checksums: { asset: 'sha256sum.txt' },
  }, { bins: ['jq'] }))
  const release = (tag: string, extra: object = {}) => ({ tag_name: tag, draft: false, prerelease: false, published_at: '2023-12-13T19:57:29Z', ...extra })

  test('versions: tag pattern applied, drafts and foreign tags skipped, one short page is one request', async () => {
    const ctx = fakeContext((url) => (url === API(1) ? JSON.stringify([release('jq-1.7.1'), release('jq-1.8.0rc1', { draft: true }), release('jq-1.8.0', { draft: true }), release('v1.0'), release('jq-1.7.0-rc.2', { prerelease: true })]) : undefined))
    expect(await jq.listVersions(ctx)).toEqual([{ version: '1.7.1', date: '2023-12-13' }, { version: '1.7.0-rc.2', date: '2023-12-13' }])
    expect(ctx.requests).toEqual([API(1)])
  })

  test('versions: a full page asks for the next; a static mirror answering every page alike stops after one repeat', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => release(`jq-1.${i}.0`))
    const paged = fakeContext((url) => (url === API(1) ? JSON.stringify(page1) : url === API(2) ? JSON.stringify([release('jq-0.9.0')]) : undefined))
    expect((await jq.listVersions(paged)).length).toBe(101)
    expect(paged.requests).toEqual([API(1), API(2)])
    const staticMirror = fakeContext((url) => (url.startsWith(API(1).slice(0, -1)) ? JSON.stringify(page1) : undefined))
    expect((await jq.listVersions(staticMirror)).length).toBe(100)
    expect(staticMirror.requests).toEqual([API(1), API(2)])
  })

  test.each([403, 429])('HTTP %i from the API (the anonymous rate limit) says to set GITHUB_TOKEN or use a mirror', async (status) => {
    const ctx = fakeContext(() => undefined)
    ctx.http.json = async () => { throw new RunnerError('DOWNLOAD_FAILED', `HTTP ${status}`, { where: API(1), details: { status } }) }
    await expect(jq.listVersions(ctx)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', where: API(1), hint: expect.stringContaining('GITHUB_TOKEN'), details: { status } })
    ctx.http.json = async () => { throw new RunnerError('DOWNLOAD_FAILED', 'HTTP 404', { where: API(1), details: { status: 404 } }) }
    await expect(jq.listVersions(ctx)).rejects.toMatchObject({ message: 'HTTP 404' })
  })

  test('a listing that is not a list of releases is refused (an error page never reads as "no releases")', async () => {
    await expect(jq.listVersions(fakeContext((url) => (url === API(1) ? '{"message":"API rate limit exceeded"}' : undefined)))).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT' })
  })

  test.each([
    [x64, 'jq-linux-amd64', 'a'],
    [arm64, 'jq-linux-arm64', 'b'],
  ] as const)('artifact: a single binary named through the vocabulary, hash from sha256sum.txt (%s)', async (platform, asset, c) => {
    const ctx = fakeContext((url) => (url === `${DL}jq-1.7.1/sha256sum.txt` ? `${hex('a')}  jq-linux-amd64\n${hex('b')}  jq-linux-arm64\n` : undefined))
    const [artifact] = await artifactsFor(jq, { version: '1.7.1' }, platform, ctx)
    expect(artifact).toEqual({ url: `${DL}jq-1.7.1/${asset}`, sha256: hex(c), checksumSource: `${DL}jq-1.7.1/sha256sum.txt`, archive: 'file', fileName: 'jq', strip: 0 })
  })

  test('artifact: an asset the checksum file does not list is CHECKSUM_MISSING', async () => {
    const ctx = fakeContext((url) => (url === `${DL}jq-1.7.1/sha256sum.txt` ? `${hex('a')}  jq-linux-amd64\n` : undefined))
    await expect(artifactsFor(jq, { version: '1.7.1' }, arm64, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
  })

  test('artifact: a per-asset .sha256 file (hash alone, or hash and name)', async () => {
    const tool = featureFromPackage(pkgOf('https://github.com/acme/tool/', { type: 'github-release', repo: 'acme/tool', asset: 'tool_{version}_{os}_{arch}.tar.gz', checksums: { asset: '{asset}.sha256' } }))
    const DLT = 'https://github.com/acme/tool/releases/download/v2.0.0/'
    const ctx = fakeContext((url) => (url === `${DLT}tool_2.0.0_linux_x64.tar.gz.sha256` ? `${hex('C')}\n` : url === `${DLT}tool_2.0.0_linux_arm64.tar.gz.sha256` ? `${hex('d')}  tool_2.0.0_linux_arm64.tar.gz\n` : undefined))
    expect((await artifactsFor(tool, { version: '2.0.0' }, x64, ctx))[0]).toMatchObject({ sha256: hex('c'), archive: 'tar.gz' })
    expect((await artifactsFor(tool, { version: '2.0.0' }, arm64, ctx))[0]).toMatchObject({ sha256: hex('d') })
    const wrongName = fakeContext((url) => (url.endsWith('.sha256') ? `${hex('d')}  something-else.tar.gz\n` : undefined))
    await expect(artifactsFor(tool, { version: '2.0.0' }, x64, wrongName)).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT' })
  })

  test('artifact: an rhash table (yq `checksums` + `checksums_hashes_order`), the SHA-256 column, and the symlink template', async () => {
    const yq = featureFromPackage(pkgOf('https://github.com/mikefarah/yq/', {
      type: 'github-release', repo: 'mikefarah/yq', asset: 'yq_{os}_{arch}.tar.gz', arch: { x64: 'amd64' }, checksums: { asset: 'checksums', hashOrder: 'checksums_hashes_order' },
    }, { bins: ['yq'], symlinks: [{ path: 'yq', target: 'yq_{os}_{arch}' }] }))
    const DLY = 'https://github.com/mikefarah/yq/releases/download/v4.44.2/'
    const order = 'CRC32\nMD5\nSHA-1\nSHA-256\nSHA-512\n'
    const table = `yq_linux_amd64.tar.gz 1a2b3c4d ${'e'.repeat(32)} ${'f'.repeat(40)} e4c2570249e3993e33ffa44e592b5eee8545bd807bfbeb596c2986d86cb6c85c ${'9'.repeat(128)}\n`
    const ctx = fakeContext((url) => (url === `${DLY}checksums` ? table : url === `${DLY}checksums_hashes_order` ? order : undefined))
    const [artifact] = await artifactsFor(yq, { version: '4.44.2' }, x64, ctx)
    expect(artifact).toMatchObject({ url: `${DLY}yq_linux_amd64.tar.gz`, sha256: 'e4c2570249e3993e33ffa44e592b5eee8545bd807bfbeb596c2986d86cb6c85c', archive: 'tar.gz' })
    expect(yq.links!('4.44.2', x64)).toEqual([{ path: 'yq', target: 'yq_linux_amd64' }])
    expect(yq.links!('4.44.2', arm64)).toEqual([{ path: 'yq', target: 'yq_linux_arm64' }])
    const noSha256 = fakeContext((url) => (url === `${DLY}checksums` ? table : url === `${DLY}checksums_hashes_order` ? 'CRC32\nMD5\nSHA-1\nSHA-384\nSHA-512\n' : undefined))
    await expect(artifactsFor(yq, { version: '4.44.2' }, x64, noSha256)).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT', message: expect.stringContaining('SHA-256') })
  })

  test('a platform the manifest does not list is UNSUPPORTED_PLATFORM before any request', async () => {
    const only = featureFromPackage(pkgOf('https://github.com/jqlang/jq/', { type: 'github-release', repo: 'jqlang/jq', asset: 'jq', checksums: { asset: 'sha256sum.txt' } }, { platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }] }))
    const ctx = fakeContext(() => undefined)
    await expect(artifactsFor(only, { version: '1.7.1' }, arm64, ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM' })
    expect(ctx.requests).toEqual([])
  })

  test('the upstream must be the repository, or the feature is PLUGIN_INVALID', () => {
    expect(() => featureFromPackage(pkgOf('https://example.com/', { type: 'github-release', repo: 'jqlang/jq', asset: 'jq', checksums: { asset: 's' } }))).toThrow(expect.objectContaining({ code: 'PLUGIN_INVALID' }))
  })
})

describe('GitHub API: mirror route and token', () => {
  test('a mirror serves the API listing of the repository under api/', () => {
    expect(rebaseUrl('https://api.github.com/repos/jqlang/jq/releases?per_page=100&page=2', 'https://github.com/jqlang/jq/', 'http://127.0.0.1:9/jq/')).toBe('http://127.0.0.1:9/jq/api/releases?per_page=100&page=2')
    expect(() => rebaseUrl('https://api.github.com/repos/other/repo/releases', 'https://github.com/jqlang/jq/', 'http://127.0.0.1:9/jq/')).toThrow(expect.objectContaining({ code: 'MIRROR_ESCAPE' }))
  })

  test.each([
    ['the API', 'https://api.github.com/repos/jqlang/jq/releases?page=1', {}, true],
    ['an asset download on github.com', 'https://github.com/jqlang/jq/releases/download/jq-1.7.1/jq-linux-amd64', {}, false],
    ['a mirror', 'http://127.0.0.1:9/jq/api/releases', {}, false],
    ['a look-alike host', 'https://api.github.com.evil.example/repos/x/y', {}, false],
    ['plain http to the API host', 'http://api.github.com/repos/x/y', {}, false],
    ['GHES API from GITHUB_API_URL', 'https://ghe.example/api/v3/repos/x/y/releases', { GITHUB_API_URL: 'https://ghe.example/api/v3' }, true],
    ['api.github.com when GITHUB_API_URL names GHES', 'https://api.github.com/repos/x/y/releases', { GITHUB_API_URL: 'https://ghe.example/api/v3' }, false],
  ])('GITHUB_TOKEN goes to %s: %s', (_name, url, env, sent) => {
    const headers = githubAuthHeaders(url as string, { GITHUB_TOKEN: 'ghs_secret', ...(env as Record<string, string>) })
    expect(headers.authorization === 'Bearer ghs_secret').toBe(sent)
    expect(githubAuthHeaders(url as string, env as Record<string, string>)).toEqual({})
  })
})

describe('hashicorp', () => {
  const UP = 'https://releases.hashicorp.com/'
  const packer = featureFromPackage(pkgOf(UP, { type: 'hashicorp', product: 'packer' }))
  const index = JSON.stringify({ name: 'packer', versions: { '1.11.2': { version: '1.11.2', shasums: 'packer_1.11.2_SHA256SUMS', builds: [
    { os: 'linux', arch: 'amd64', filename: 'packer_1.11.2_linux_amd64.zip', url: `${UP}packer/1.11.2/packer_1.11.2_linux_amd64.zip` },
  ] } } })
  const routes = (url: string) => (url === `${UP}packer/index.json` ? index : url === `${UP}packer/1.11.2/packer_1.11.2_SHA256SUMS` ? `${hex('1')}  packer_1.11.2_linux_amd64.zip\n` : undefined)

  test('any product: versions from <product>/index.json, build and checksum from the index and SHA256SUMS', async () => {
    expect(await packer.listVersions(fakeContext(routes))).toEqual([{ version: '1.11.2' }])
    expect((await artifactsFor(packer, { version: '1.11.2' }, x64, fakeContext(routes)))[0]).toEqual({
      url: `${UP}packer/1.11.2/packer_1.11.2_linux_amd64.zip`, sha256: hex('1'), checksumSource: `${UP}packer/1.11.2/packer_1.11.2_SHA256SUMS`, archive: 'zip', strip: 0,
    })
  })

  test('a platform the index has no build for is UNSUPPORTED_PLATFORM', async () => {
    await expect(artifactsFor(packer, { version: '1.11.2' }, arm64, fakeContext(routes))).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM' })
  })
})

describe('index-json and url-template', () => {
  const UP = 'https://downloads.example.com/hello/'
  test('index-json: versions at a path, artifact and sha256sum listing from templates relative to the upstream', async () => {
    const hello = featureFromPackage(pkgOf(UP, { type: 'index-json', versions: { url: 'index.json', path: 'versions' }, artifact: '{version}/hello-{os}-{arch}', checksums: '{version}/SHA256SUMS' }, { bins: ['hello'] }))
    const ctx = fakeContext((url) => (url === `${UP}index.json` ? '{"versions":["1.0.0","2.0.0"]}' : url === `${UP}2.0.0/SHA256SUMS` ? `${hex('2')}  hello-linux-x64\n` : undefined))
    expect(await hello.listVersions(ctx)).toEqual([{ version: '1.0.0' }, { version: '2.0.0' }])
    expect((await artifactsFor(hello, { version: '2.0.0' }, x64, ctx))[0]).toEqual({ url: `${UP}2.0.0/hello-linux-x64`, sha256: hex('2'), checksumSource: `${UP}2.0.0/SHA256SUMS`, archive: 'file', fileName: 'hello', strip: 0 })
  })

  test('index-json: objects with a version field and a tag prefix', async () => {
    const tool = featureFromPackage(pkgOf(UP, { type: 'index-json', versions: { url: 'releases.json', field: 'tag', prefix: 'v' }, artifact: 'v{version}/tool.tar.gz', checksums: 'v{version}/SHA256SUMS' }))
    expect(await tool.listVersions(fakeContext((url) => (url === `${UP}releases.json` ? '[{"tag":"v1.2.3"},{"tag":"nightly"}]' : undefined)))).toEqual([{ version: '1.2.3' }])
  })

  test('url-template: a plain-text list, one version a line, and a per-file {artifact}.sha256', async () => {
    const tool = featureFromPackage(pkgOf(UP, { type: 'url-template', versions: { url: 'VERSIONS' }, artifact: 'tool-{version}-{arch}.tar.xz', checksums: '{artifact}.sha256', arch: { x64: 'x86_64' } }))
    const ctx = fakeContext((url) => (url === `${UP}VERSIONS` ? '# versions\n1.0.0\n1.1.0\n' : url === `${UP}tool-1.1.0-x86_64.tar.xz.sha256` ? hex('3') : undefined))
    expect(await tool.listVersions(ctx)).toEqual([{ version: '1.0.0' }, { version: '1.1.0' }])
    expect((await artifactsFor(tool, { version: '1.1.0' }, x64, ctx))[0]).toMatchObject({ url: `${UP}tool-1.1.0-x86_64.tar.xz`, sha256: hex('3'), archive: 'tar.xz' })
  })

  test('a JSON document without the list is UPSTREAM_FORMAT', async () => {
    const hello = featureFromPackage(pkgOf(UP, { type: 'index-json', versions: { url: 'index.json', path: 'versions' }, artifact: '{version}/hello', checksums: '{version}/SHA256SUMS' }))
    await expect(hello.listVersions(fakeContext(() => '{"error":"not found"}'))).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT' })
  })

  test('a template naming an unknown placeholder is PLUGIN_INVALID', async () => {
    const bad = featureFromPackage(pkgOf(UP, { type: 'url-template', versions: { url: 'V' }, artifact: '{version}/{flavour}.tar.gz', checksums: 'SUMS' }))
    await expect(artifactsFor(bad, { version: '1.0.0' }, x64, fakeContext(() => ''))).rejects.toMatchObject({ code: 'PLUGIN_INVALID', message: expect.stringContaining('{flavour}') })
  })
})
