import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { findRunnerCli, runnerSandbox, sha256Hex, startFixtureMirror, writeGithubReleaseMirror, type FixtureMirror, type RunnerSandbox } from '@runner-features/kit/testing'

// The built `runner` installs yq from a 127.0.0.1 mirror in the github-release layout: the real
// trimmed listing (fixtures/releases.json) at api/releases, and for v4.52.4 stand-in tarballs
// (a shell script named yq_linux_<arch> that prints yq's version line) with an rhash `checksums`
// table computed from them and the real hash order (fixtures/README.md).
const VERSION = '4.52.4'
const fixture = (name: string) => readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
let work: string
let mirror: FixtureMirror
let box: RunnerSandbox

async function standInTarball(arch: string): Promise<Buffer> {
  const dir = await mkdtemp(join(work, 'tar-'))
  await writeFile(join(dir, `yq_linux_${arch}`), `#!/bin/sh\necho "yq (https://github.com/mikefarah/yq/) version v${VERSION}"\n`, { mode: 0o755 })
  await writeFile(join(dir, 'yq.1'), 'stand-in man page\n')
  execFileSync('tar', ['-czf', join(dir, 'out.tar.gz'), '-C', dir, `./yq_linux_${arch}`, 'yq.1'])
  return readFile(join(dir, 'out.tar.gz'))
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rf-yq-'))
  const order = await fixture('checksums_hashes_order')
  const assets: Record<string, string | Buffer> = { checksums_hashes_order: order }
  const lines: string[] = []
  for (const arch of ['amd64', 'arm64']) {
    const tgz = await standInTarball(arch)
    assets[`yq_linux_${arch}.tar.gz`] = tgz
    lines.push([`yq_linux_${arch}.tar.gz`, ...order.trim().split('\n').map((n) => (n === 'SHA-256' ? sha256Hex(tgz) : '0'))].join(' '))
  }
  assets.checksums = `${lines.join('\n')}\n`
  await writeGithubReleaseMirror(join(work, 'mirror'), [{ tag: `v${VERSION}`, assets }], JSON.parse(await fixture('releases.json')))
  mirror = await startFixtureMirror(join(work, 'mirror'))
  box = await runnerSandbox(findRunnerCli(import.meta.url), { RUNNER_FEATURES_MIRROR_YQ: mirror.url })
})
afterAll(async () => {
  await mirror?.close()
  await box?.cleanup()
  if (work) await rm(work, { recursive: true, force: true })
})

test('runner features list discovers yq from its folder', async () => {
  const list = JSON.parse((await box.run(['features', 'list', '--json'])).stdout)
  expect(list.plugins).toContainEqual(expect.objectContaining({ id: 'yq', name: '@runner-features/yq', origin: 'bundled' }))
})

test('install yq (latest) from the mirror: listing, rhash checksums, tarball; `yq` linked to the per-arch binary', async () => {
  mirror.requests.splice(0)
  const res = await box.run(['features', 'install', 'yq'])
  expect(res.exitCode, res.stdout + res.stderr).toBe(0)
  // The two checksum files are fetched together, so their order is not fixed.
  expect([...mirror.requests].sort()).toEqual([
    'GET /api/releases 200',
    `GET /releases/download/v${VERSION}/checksums 200`,
    `GET /releases/download/v${VERSION}/checksums_hashes_order 200`,
    `GET /releases/download/v${VERSION}/yq_linux_amd64.tar.gz 200`,
  ])
  expect(execFileSync(join(box.binDir, 'yq'), ['--version'], { encoding: 'utf8' })).toBe(`yq (https://github.com/mikefarah/yq/) version v${VERSION}\n`)
  const dir = join(box.toolCache, 'yq', VERSION, 'x64')
  expect((await readdir(dir)).sort()).toEqual(['yq', 'yq.1', 'yq_linux_amd64'])
  expect((await readdir(join(box.toolCache, 'yq', VERSION))).sort()).toEqual(['x64', 'x64.complete'])
})

test('a tarball whose sha256 differs from the checksums table is CHECKSUM_MISMATCH and nothing is installed', async () => {
  const other = await runnerSandbox(findRunnerCli(import.meta.url), { RUNNER_FEATURES_MIRROR_YQ: mirror.url })
  try {
    const tgz = join(work, 'mirror', 'releases', 'download', `v${VERSION}`, 'yq_linux_amd64.tar.gz')
    const good = await readFile(tgz)
    await writeFile(tgz, Buffer.concat([good, Buffer.from('tampered')]))
    try {
      const res = await other.run(['features', 'install', `yq@${VERSION}`, '--json'])
      expect(res.exitCode, res.stdout + res.stderr).toBe(1)
      // Per-feature failures are reported in results (the run as a whole exits 1).
      expect(JSON.parse(res.stdout).results).toEqual([expect.objectContaining({ id: 'yq', status: 'failed', error: expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }) })])
      expect(await readdir(join(other.toolCache, 'yq', VERSION)).catch(() => [])).toEqual([])
    } finally {
      await writeFile(tgz, good)
    }
  } finally {
    await other.cleanup()
  }
})
