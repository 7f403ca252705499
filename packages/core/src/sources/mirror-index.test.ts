import { describe, expect, test } from 'vitest'
import { fakeContext } from '../testing/fake-context.js'
import type { FeatureManifest, MirrorIndexFile, SourceDeclaration } from '../feature.js'
import { featureFromPackage } from '../define.js'

// Each declared source trims the index its listVersions reads, for `runner features mirror build`.
// The proof that a trimmed index works is the feature's own listVersions (and artifact) reading it.

/** The context a mirror holding only `files` gives: each URL answered by its trimmed body. */
const servedBy = (files: MirrorIndexFile[], more: Record<string, string> = {}) => fakeContext({ ...Object.fromEntries(files.map((f) => [f.url, f.body])), ...more })

const base: Omit<FeatureManifest, 'upstream' | 'source'> = {
  id: 'tool', description: 'a tool', toolName: 'tool', defaultVersion: 'latest',
  platforms: [{ os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc'] }],
  bins: ['tool'], smokeTest: { command: ['tool', '--version'], expect: '{{version}}' },
}
const pkgOf = (upstream: string, source: SourceDeclaration) => ({ name: '@acme/tool', runner: { feature: { ...base, upstream, source } } })
const hex = (c: string) => c.repeat(64)

describe('hashicorp', () => {
  const UP = 'https://releases.hashicorp.com/'
  const terraform = featureFromPackage(pkgOf(UP, { type: 'hashicorp', product: 'terraform' }))
  const build = (v: string) => ({ name: 'terraform', version: v, os: 'linux', arch: 'amd64', filename: `terraform_${v}_linux_amd64.zip`, url: `${UP}terraform/${v}/terraform_${v}_linux_amd64.zip` })
  const release = (v: string) => ({ name: 'terraform', version: v, shasums: `terraform_${v}_SHA256SUMS`, shasums_signature: `terraform_${v}_SHA256SUMS.sig`, builds: [build(v)], timestamp_created: '2023-06-12T12:00:00.000Z' })
  const index = { name: 'terraform', versions: { '1.4.6': release('1.4.6'), '1.5.0': release('1.5.0'), '1.5.1-rc1': release('1.5.1-rc1') } }

  test('index.json keeps the mirrored versions only, each entry whole; listVersions and artifact read it', async () => {
    const files = await terraform.mirrorIndex!(['1.5.0'], fakeContext({ [`${UP}terraform/index.json`]: JSON.stringify(index) }))
    expect(files.map((f) => f.url)).toEqual([`${UP}terraform/index.json`])
    expect(JSON.parse(files[0]!.body)).toEqual({ name: 'terraform', versions: { '1.5.0': release('1.5.0') } })
    const ctx = servedBy(files, { [`${UP}terraform/1.5.0/terraform_1.5.0_SHA256SUMS`]: `${hex('a')}  terraform_1.5.0_linux_amd64.zip\n` })
    expect(await terraform.listVersions(ctx)).toEqual([{ version: '1.5.0' }])
    expect((await terraform.artifact!({ version: '1.5.0' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).sha256).toBe(hex('a'))
  })
})

describe('github-release', () => {
  const API = (repo: string, page: number) => `https://api.github.com/repos/${repo}/releases?per_page=100&page=${page}`
  const release = (tag: string) => ({ tag_name: tag, draft: false, prerelease: false, published_at: '2024-01-02T03:04:05Z', assets: [{ name: 'x' }], body: `notes for ${tag}` })

  test('the listing is trimmed to the mirrored releases across pages, whole, as one page 1 that a static server serves for every page', async () => {
    const jq = featureFromPackage(pkgOf('https://github.com/jqlang/jq/', { type: 'github-release', repo: 'jqlang/jq', tag: 'jq-{version}', asset: 'jq-{os}-{arch}', checksums: { asset: 'sha256sum.txt' } }))
    const page1 = Array.from({ length: 100 }, (_, i) => release(`jq-2.${i}.0`))
    const ctx = fakeContext({ [API('jqlang/jq', 1)]: JSON.stringify(page1), [API('jqlang/jq', 2)]: JSON.stringify([release('jq-1.7.1'), release('jq-1.7.0')]) })
    const files = await jq.mirrorIndex!(['1.7.1'], ctx)
    expect(ctx.requests).toEqual([API('jqlang/jq', 1), API('jqlang/jq', 2)])
    expect(files).toEqual([{ url: API('jqlang/jq', 1), body: `${JSON.stringify([release('jq-1.7.1')])}\n` }])
    // As served by a static mirror: every page= gets the same file; listVersions stops at a short page.
    const mirror = servedBy(files)
    expect(await jq.listVersions(mirror)).toEqual([{ version: '1.7.1', date: '2024-01-02' }])
  })

  test('stops when a page adds no new tag (a mirror that ignores page=) and keeps what it found', async () => {
    const tool = featureFromPackage(pkgOf('https://github.com/acme/tool/', { type: 'github-release', repo: 'acme/tool', asset: 'tool', checksums: { asset: 'SUMS' } }))
    const page = JSON.stringify(Array.from({ length: 100 }, (_, i) => release(`v1.${i}.0`)))
    const ctx = fakeContext({ [API('acme/tool', 1)]: page, [API('acme/tool', 2)]: page })
    const files = await tool.mirrorIndex!(['1.3.0', '9.9.9'], ctx)
    expect(ctx.requests).toHaveLength(2)
    expect(JSON.parse(files[0]!.body)).toEqual([release('v1.3.0')])
  })

  test('an rhash table\'s column-order asset of each mirrored version comes along (resolving reads it, the lock does not name it)', async () => {
    const yq = featureFromPackage(pkgOf('https://github.com/mikefarah/yq/', { type: 'github-release', repo: 'mikefarah/yq', asset: 'yq_{os}_{arch}.tar.gz', checksums: { asset: 'checksums', hashOrder: 'checksums_hashes_order' } }))
    const order = 'https://github.com/mikefarah/yq/releases/download/v4.44.3/checksums_hashes_order'
    const files = await yq.mirrorIndex!(['4.44.3'], fakeContext({ [API('mikefarah/yq', 1)]: JSON.stringify([release('v4.44.3')]), [order]: 'MD5\nSHA-256\n' }))
    expect(files[1]).toEqual({ url: order, body: 'MD5\nSHA-256\n', kind: 'checksums' })
  })
})

describe('index-json and url-template', () => {
  const UP = 'https://dl.example.com/'

  test('a JSON document keeps its shape, the list at path filtered by field and prefix, items whole', async () => {
    const tool = featureFromPackage(pkgOf(UP, { type: 'index-json', versions: { url: 'releases.json', path: 'data.releases', field: 'tag', prefix: 'v' }, artifact: 'v{version}/tool.tar.gz', checksums: 'v{version}/SUMS' }))
    const doc = { schema: 2, data: { channel: 'stable', releases: [{ tag: 'v1.1.0', lts: true }, { tag: 'v1.0.0', lts: false }, { tag: 'nightly' }] } }
    const files = await tool.mirrorIndex!(['1.0.0'], fakeContext({ [`${UP}releases.json`]: JSON.stringify(doc) }))
    expect(JSON.parse(files[0]!.body)).toEqual({ schema: 2, data: { channel: 'stable', releases: [{ tag: 'v1.0.0', lts: false }] } })
    expect(await tool.listVersions(servedBy(files))).toEqual([{ version: '1.0.0' }])
  })

  test('a plain-text list keeps the lines of the mirrored versions', async () => {
    const tool = featureFromPackage(pkgOf(UP, { type: 'url-template', versions: { url: 'VERSIONS' }, artifact: 'tool-{version}.tar.xz', checksums: '{artifact}.sha256' }))
    const files = await tool.mirrorIndex!(['2.0.0'], fakeContext({ [`${UP}VERSIONS`]: '# versions\r\n2.1.0\r\n2.0.0\r\n1.9.0\r\n' }))
    expect(files[0]!.body).toBe('2.0.0\n')
    expect(await tool.listVersions(servedBy(files))).toEqual([{ version: '2.0.0' }])
  })
})

test('code that lists versions its own way does not inherit the source\'s trimmer (it would trim another file)', () => {
  const pkg = pkgOf('https://releases.hashicorp.com/', { type: 'hashicorp', product: 'terraform' })
  expect(featureFromPackage(pkg).mirrorIndex).toBeTypeOf('function')
  expect(featureFromPackage(pkg, { listVersions: async () => [] }).mirrorIndex).toBeUndefined()
})
