import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { parseFeatureRequest, resolveVersion } from '@runner-features/core'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import { chromeSemver, chromeVersion } from './cft.js'
import feature from './index.js'

const CFT = 'https://googlechromelabs.github.io/chrome-for-testing/'
const KNOWN = `${CFT}known-good-versions-with-downloads.json`
const LAST = `${CFT}last-known-good-versions-with-downloads.json`
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const responses = () => ({ [KNOWN]: fixture('known-good-versions-with-downloads.json'), [LAST]: fixture('last-known-good-versions-with-downloads.json') })
const linux = (arch: 'x64' | 'arm64') => ({ os: 'linux' as const, arch, libc: 'glibc' as const })

test('keeps the plugin contract (manifest, README matrix, CHANGELOG, fixture provenance)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test.each([
  ['138.0.7204.92', '138.7204.92'],
  ['113.0.5672.0', '113.5672.0'],
  ['138.1.7204.92', undefined],
  ['138.0.7204', undefined],
])('Chrome %s is semver %s (MINOR is always 0 and dropped; anything else is skipped)', (chrome, semver) => {
  expect(chromeSemver(chrome)).toBe(semver)
  if (semver) expect(chromeVersion(semver)).toBe(chrome)
})

test('versions: known-good ones up to the Stable channel with both linux64 binaries (113 has no chromedriver, 140 is Canary)', async () => {
  const ctx = fakeContext(responses())
  const versions = await feature.listVersions(ctx)
  expect(versions.map((v) => v.version)).toEqual(['137.7151.119', '138.7204.49', '138.7204.92'])
  expect(ctx.requests.sort()).toEqual([KNOWN, LAST])
  // `latest` (and `stable`) is the Stable channel's version; `138` its newest build.
  for (const spec of ['latest', 'stable', '138']) expect(resolveVersion('chrome', parseFeatureRequest(`chrome@${spec}`).spec, versions).version).toBe('138.7204.92')
})

test('artifacts: chrome then chromedriver zip for linux64, no digest (upstream publishes none), so trust-on-first-use', async () => {
  const ctx = fakeContext(responses())
  const artifacts = await feature.artifacts!({ version: '138.7204.92' }, linux('x64'), ctx)
  const zip = (b: string) => `https://storage.googleapis.com/chrome-for-testing-public/138.0.7204.92/linux64/${b}-linux64.zip`
  expect(artifacts).toEqual([
    { url: zip('chrome'), sha256: '', trustOnFirstUse: true, checksumSource: KNOWN, archive: 'zip', strip: 0 },
    { url: zip('chromedriver'), sha256: '', trustOnFirstUse: true, checksumSource: KNOWN, archive: 'zip', strip: 0 },
  ])
  // The zips live on another host than the JSON: the only contract finding, and why the README
  // tells mirrors to rewrite both hosts.
  for (const a of artifacts) expect(artifactProblems(feature, a)).toEqual([`${a.url} is outside the upstream ${CFT}; a mirror could not serve it`])
})

test('linux arm64 is refused: Chrome for Testing builds no linux arm64', async () => {
  expect(feature.platforms).toEqual([{ os: 'linux', arch: ['x64'], libc: ['glibc'] }])
  await expect(feature.artifacts!({ version: '138.7204.92' }, linux('arm64'), fakeContext(responses()))).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM' })
})

test('a version without a chromedriver download is UNSUPPORTED_PLATFORM naming the list', async () => {
  await expect(feature.artifacts!({ version: '113.5672.0' }, linux('x64'), fakeContext(responses()))).rejects.toMatchObject({ code: 'UNSUPPORTED_PLATFORM', where: KNOWN, message: expect.stringContaining('chromedriver') })
})

test('a changed upstream format is UPSTREAM_FORMAT, never an empty version list', async () => {
  const ctx = fakeContext({ ...responses(), [KNOWN]: JSON.stringify({ timestamp: 'x', versions: [{ version: '138', downloads: {} }] }) })
  await expect(feature.listVersions(ctx)).rejects.toThrow(/UPSTREAM_FORMAT/)
})

test('env points CHROME_BIN at the browser and CHROMEWEBDRIVER at the driver dir (as GitHub-hosted images)', () => {
  const dir = '/opt/hostedtoolcache/chrome/138.7204.92/x64'
  expect(feature.env!(dir, '138.7204.92', {})).toEqual({ CHROME_BIN: `${dir}/chrome-linux64/chrome`, CHROMEWEBDRIVER: `${dir}/chromedriver-linux64` })
})
