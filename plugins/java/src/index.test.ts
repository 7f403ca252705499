import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { RunnerError, type Platform } from '@runner-features/kit'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import feature from './index.js'
import { assetsUrl, AVAILABLE_RELEASES_URL, binaryUrl, listReleases, mergedReleases, PAGE_SIZE, versionsOf } from './adoptium.js'
import type { TemurinRelease } from './schema.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const assets = fixture('assets-version-linux-x64.json')
const available = fixture('available-releases.json')
const X64 = { os: 'linux', arch: 'x64', libc: 'glibc' } as const
const page0 = assetsUrl(X64, 0)

/** A release in the newer shape (vendor suffix in the semver build), for the rules the 2021 fixture cannot show. */
function release(semver: string, name: string, arch = 'x64', os = 'linux'): TemurinRelease {
  return {
    release_name: name, release_type: 'ga', timestamp: '2026-04-21T00:00:00Z',
    binaries: [{ architecture: arch, os, image_type: 'jdk', jvm_impl: 'hotspot', package: { name: `${name}.tar.gz`, link: `https://github.com/x/${name}.tar.gz`, checksum: 'a'.repeat(64), size: 1 } }],
    version_data: { major: Number(semver.split('.')[0]), semver },
  }
}

test('keeps the plugin contract (manifest, README matrix, CHANGELOG, fixture provenance)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('lists the way setup-java does: every version in [1.0,100.0], GA, hotspot JDK, this platform, 20 a page', () => {
  expect(page0).toBe('https://api.adoptium.net/v3/assets/version/%5B1.0,100.0%5D?project=jdk&vendor=adoptium&heap_size=normal&sort_method=DEFAULT&sort_order=DESC&os=linux&architecture=x64&image_type=jdk&release_type=ga&jvm_impl=hotspot&page_size=20&page=0')
  expect(assetsUrl({ arch: 'arm64', libc: 'glibc' }, 2)).toContain('&os=linux&architecture=aarch64&')
  expect(assetsUrl({ arch: 'x64', libc: 'musl' }, 0)).toContain('&os=alpine-linux&architecture=x64&')
})

test('versions are version_data.semver, LTS majors marked from available_releases', async () => {
  const ctx = fakeContext({ [AVAILABLE_RELEASES_URL]: available, [page0]: assets })
  expect(await feature.listVersions(ctx)).toEqual([
    { version: '16.0.2+7', lts: false, date: '2021-07-30' },
    { version: '8.0.302+8', lts: '8', date: '2021-07-29' },
  ])
  expect(ctx.requests.sort()).toEqual([AVAILABLE_RELEASES_URL, page0].sort())
})

test('artifact: Adoptium\'s binary endpoint for the release, with the asset\'s sha256 and size', async () => {
  const ctx = fakeContext({ [page0]: assets })
  const artifact = await feature.artifact!({ version: '8.0.302+8' }, X64, ctx)
  expect(artifact).toEqual({
    url: 'https://api.adoptium.net/v3/binary/version/jdk8u302-b08/linux/x64/jdk/hotspot/normal/eclipse',
    sha256: 'cc13f274becf9dd5517b6be583632819dfd4dd81e524b5c1b4f406bdaf0e063a',
    size: 102954777,
    checksumSource: page0,
    archive: 'tar.gz',
    strip: 1,
  })
  expect(artifactProblems(feature, artifact)).toEqual([])
  expect(binaryUrl({ release_name: 'jdk-17.0.15+6' }, { arch: 'arm64', libc: 'glibc' })).toBe('https://api.adoptium.net/v3/binary/version/jdk-17.0.15%2B6/linux/aarch64/jdk/hotspot/normal/eclipse')
})

test('a version without a tarball for this platform is UNSUPPORTED_PLATFORM naming the listing', async () => {
  const ctx = fakeContext({ [assetsUrl({ arch: 'arm64', libc: 'glibc' }, 0)]: assets })
  await expect(feature.artifact!({ version: '8.0.302+8' }, { os: 'linux', arch: 'arm64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM', message: 'Temurin 8.0.302+8 has no linux aarch64 JDK tarball' })
})

test('an asset without a sha256 is refused (the listing does not validate)', async () => {
  const broken = JSON.parse(assets) as Array<{ binaries: Array<{ package: Record<string, unknown> }> }>
  delete broken[0]!.binaries[0]!.package.checksum
  const ctx = fakeContext({ [AVAILABLE_RELEASES_URL]: available, [page0]: JSON.stringify(broken) })
  await expect(feature.listVersions(ctx)).rejects.toThrow(/UPSTREAM_FORMAT/)
})

describe('pagination', () => {
  const fullPage = (from: number) => Array.from({ length: PAGE_SIZE }, (_, i) => release(`17.0.${from + i}+1`, `jdk-17.0.${from + i}+1`))
  test('follows full pages and stops at a short one', async () => {
    const ctx = fakeContext({ [page0]: JSON.stringify(fullPage(100)), [assetsUrl(X64, 1)]: JSON.stringify([release('17.0.1+12', 'jdk-17.0.1+12')]) })
    expect((await listReleases(ctx)).releases).toHaveLength(PAGE_SIZE + 1)
  })
  test('stops at a page that brings nothing new (a static mirror answers every page with one file)', async () => {
    const body = JSON.stringify(fullPage(100))
    const ctx = fakeContext({ [page0]: body, [assetsUrl(X64, 1)]: body })
    expect((await listReleases(ctx)).releases).toHaveLength(PAGE_SIZE)
    expect(ctx.requests).toHaveLength(2)
  })
  test('a 404 after the first page is the end of the list (Adoptium\'s answer past the last page); on the first page it is an error', async () => {
    const notFound = new RunnerError('DOWNLOAD_FAILED', 'HTTP 404 Not Found', { where: 'x', hint: 'y', details: { status: 404 } })
    const answer = (pages: Record<number, string>) => {
      const ctx = fakeContext({})
      ctx.http.json = async (url, schema) => {
        const page = Number(/page=(\d+)$/.exec(url)![1])
        if (pages[page] === undefined) throw notFound
        return schema!.safeParse(JSON.parse(pages[page])).success ? JSON.parse(pages[page]) : Promise.reject(new Error('bad'))
      }
      return ctx
    }
    expect((await listReleases(answer({ 0: JSON.stringify(fullPage(100)) }))).releases).toHaveLength(PAGE_SIZE)
    await expect(listReleases(answer({}))).rejects.toBe(notFound)
  })
})

describe('mirrorIndex', () => {
  const ARM = { os: 'linux', arch: 'arm64', libc: 'glibc' } as const
  const MUSL = { arch: 'x64', libc: 'musl' } as const
  // The arm64 listing of the same releases: the fixture's Java 8 entry with an aarch64 JDK instead.
  const java8 = (JSON.parse(assets) as TemurinRelease[]).find((r) => r.version_data.semver === '8.0.302+8')!
  const arm64Binary = { ...java8.binaries[0]!, architecture: 'aarch64', package: { ...java8.binaries[0]!.package!, name: 'OpenJDK8U-jdk_aarch64_linux_hotspot_8u302b08.tar.gz', checksum: 'b'.repeat(64) } }
  const arm64Assets = JSON.stringify([{ ...java8, binaries: [arm64Binary] }])
  const upstream = { [AVAILABLE_RELEASES_URL]: available, [page0]: assets, [assetsUrl(ARM, 0)]: arm64Assets, [assetsUrl(MUSL, 0)]: '[]' }

  test('the asset list with only the mirrored release, carrying every platform\'s JDK; available_releases as upstream wrote it', async () => {
    const files = await feature.mirrorIndex!(['8.0.302+8'], fakeContext(upstream))
    expect(files.map((f) => f.url)).toEqual([AVAILABLE_RELEASES_URL, page0])
    expect(files[0]!.body).toBe(available)
    const [release, ...more] = JSON.parse(files[1]!.body) as TemurinRelease[]
    expect(more).toEqual([])
    expect(release!.release_name).toBe('jdk8u302-b08')
    expect(release!.binaries.map((b) => `${b.os}/${b.architecture}`)).toEqual(['linux/x64', 'linux/aarch64'])
    expect(release!.binaries[0]).toEqual(JSON.parse(assets).find((r: TemurinRelease) => r.release_name === 'jdk8u302-b08').binaries[0])
  })

  test('served as a static mirror serves it (one file for every platform\'s query and page), each platform resolves the release and its own sha256', async () => {
    const files = await feature.mirrorIndex!(['8.0.302+8'], fakeContext(upstream))
    const served = (platform: Partial<Platform>) => fakeContext({
      [AVAILABLE_RELEASES_URL]: files[0]!.body,
      ...Object.fromEntries([X64, ARM, MUSL].flatMap((p) => [0, 1].map((page) => [assetsUrl(p, page), files[1]!.body]))),
    }, platform)
    expect(await feature.listVersions(served(X64))).toEqual([{ version: '8.0.302+8', lts: '8', date: '2021-07-29' }])
    expect((await feature.listVersions(served(ARM))).map((v) => v.version)).toEqual(['8.0.302+8'])
    expect((await feature.artifact!({ version: '8.0.302+8' }, ARM, served(ARM))).sha256).toBe('b'.repeat(64))
    expect((await feature.artifact!({ version: '8.0.302+8' }, X64, served(X64))).sha256).toBe('cc13f274becf9dd5517b6be583632819dfd4dd81e524b5c1b4f406bdaf0e063a')
    // musl lists nothing for it, as upstream.
    expect(await feature.listVersions(served({ libc: 'musl' }))).toEqual([])
  })

  test('reads each platform\'s list only until it holds the mirrored versions', async () => {
    const full = Array.from({ length: PAGE_SIZE }, (_, i) => release(`17.0.${100 - i}+1`, `jdk-17.0.${100 - i}+1`))
    const ctx = fakeContext({ ...upstream, [page0]: JSON.stringify(full), [assetsUrl(X64, 1)]: JSON.stringify(full.map((r) => ({ ...r, release_name: `${r.release_name}-older` }))) })
    const files = await feature.mirrorIndex!(['17.0.95+1'], ctx)
    expect((JSON.parse(files[1]!.body) as TemurinRelease[]).map((r) => r.release_name)).toEqual(['jdk-17.0.95+1'])
    expect(ctx.requests).not.toContain(assetsUrl(X64, 1))
  })

  test('an unreadable listing fails the trimming (the mirror build then leaves java frozen-only)', async () => {
    const { [assetsUrl(ARM, 0)]: _arm, ...missing } = upstream
    await expect(feature.mirrorIndex!(['8.0.302+8'], fakeContext(missing))).rejects.toThrow(/unexpected request/)
  })

  test('mergedReleases keeps an entry listed by two queries once', () => {
    expect(mergedReleases([[java8], [java8]], ['8.0.302+8'])[0]!.binaries).toHaveLength(1)
  })
})

test('a respin replaces the build it fixes (same semver precedence, newer build), as setup-java\'s compareBuild picks', () => {
  const versions = versionsOf([
    release('21.0.12+8.0.LTS', 'jdk-21.0.12+8'),
    release('21.0.12+101.0.LTS', 'jdk-21.0.12.1+1'),
    release('22.0.1+8', 'jdk-22.0.1+8'),
    release('23.0.0+1', 'jdk-23+1', 'aarch64'),
  ], new Set([21]), X64)
  expect(versions.map((v) => [v.version, v.lts])).toEqual([['21.0.12+101.0.LTS', '21'], ['22.0.1+8', false]])
})

test('env: JAVA_HOME_<major>_<ARCH> always, JAVA_HOME unless set-default is false (setup-java\'s input)', () => {
  const dir = '/opt/hostedtoolcache/Java_Temurin-Hotspot_jdk/17.0.15-6/x64'
  expect(feature.env!(dir, '17.0.15+6', {})).toEqual({ JAVA_HOME: dir, JAVA_HOME_17_X64: dir })
  expect(feature.env!(dir.replace('x64', 'arm64'), '8.0.302+8', { 'set-default': false })).toEqual({ JAVA_HOME_8_ARM64: dir.replace('x64', 'arm64') })
  expect(feature.options!.safeParse({}).success && (feature.options!.safeParse({}) as { data: unknown }).data).toEqual({ 'set-default': true })
  expect(feature.options!.safeParse({ 'set-default': 'no' }).success).toBe(false)
})
