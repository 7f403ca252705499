import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { parseFeatureRequest, resolveVersion } from '@runner-features/core'
import { RunnerError } from '@runner-features/kit'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import feature from './index.js'

const REL = 'https://dl.k8s.io/release/'
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')

/** fakeContext, but a URL it does not know answers as dl.k8s.io does for a missing file: HTTP 404. */
function k8sContext(responses: Record<string, string>) {
  const ctx = fakeContext(responses)
  const text = ctx.http.text
  ctx.http.text = async (url) => {
    if (url in responses) return text(url)
    ctx.requests.push(url)
    throw new RunnerError('DOWNLOAD_FAILED', `HTTP 404 for ${url}`, { where: url, details: { status: 404 } })
  }
  return ctx
}

const asRemote = (versions: string[]) => versions.map((version) => ({ version }))

test('keeps the plugin contract (manifest, README matrix, CHANGELOG, fixture provenance)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('versions: stable.txt names the newest minor; each stable-<minor>.txt its newest patch, every patch below it listed', async () => {
  const ctx = k8sContext({
    [`${REL}stable.txt`]: fixture('stable.txt'),
    [`${REL}stable-1.34.txt`]: 'v1.34.1\n',
    [`${REL}stable-1.33.txt`]: fixture('stable-1.33.txt'),
  })
  const versions = (await feature.listVersions(ctx)).map((v) => v.version)
  expect(versions).toEqual(['1.34.1', '1.34.0', '1.33.9', '1.33.8', '1.33.7', '1.33.6', '1.33.5', '1.33.4', '1.33.3', '1.33.2', '1.33.1', '1.33.0'])
  // Six minors asked for, the missing four skipped; nothing older is requested.
  expect(ctx.requests.sort()).toEqual(['stable.txt', ...[34, 33, 32, 31, 30, 29].map((m) => `stable-1.${m}.txt`)].map((f) => REL + f).sort())
  const resolve = (spec: string) => resolveVersion('kubectl', parseFeatureRequest(`kubectl@${spec}`).spec, asRemote(versions)).version
  expect(resolve('latest')).toBe('1.34.1')
  expect(resolve('1.33')).toBe('1.33.9')
  expect(resolve('1.33.2')).toBe('1.33.2')
})

test.each([
  ['stable.txt holds an HTML error page', '<html>oops</html>'],
  ['stable.txt holds a pre-release', 'v1.35.0-alpha.1'],
])('%s: UPSTREAM_FORMAT naming the URL', async (_name, body) => {
  const ctx = k8sContext({ [`${REL}stable.txt`]: body })
  await expect(feature.listVersions(ctx)).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT', where: `${REL}stable.txt` })
})

test('a missing stable.txt is an error (never "no versions")', async () => {
  await expect(feature.listVersions(k8sContext({}))).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' })
})

test.each([
  ['x64', 'amd64'],
  ['arm64', 'arm64'],
] as const)('linux-%s: the single binary bin/linux/%s/kubectl, its sha256 from kubectl.sha256', async (arch, kubeArch) => {
  const url = `${REL}v1.33.9/bin/linux/${kubeArch}/kubectl`
  const ctx = k8sContext({ [`${url}.sha256`]: fixture('kubectl.sha256') })
  const artifact = await feature.artifact!({ version: '1.33.9' }, { os: 'linux', arch, libc: 'musl' }, ctx)
  expect(artifact).toEqual({ url, sha256: '9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22', checksumSource: `${url}.sha256`, archive: 'file', fileName: 'kubectl', strip: 0 })
  expect(artifactProblems(feature, artifact)).toEqual([])
})

test('a kubectl.sha256 without a digest is CHECKSUM_MISSING (never installed unverified)', async () => {
  const url = `${REL}v1.33.9/bin/linux/amd64/kubectl.sha256`
  const ctx = k8sContext({ [url]: 'Not Found' })
  await expect(feature.artifact!({ version: '1.33.9' }, { os: 'linux', arch: 'x64', libc: 'glibc' }, ctx)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING', where: url })
})
