import { execFileSync } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { mirrorHarness } from '@runner-features/kit/testing'
import { mirror, versionLine, YQ_VERSION as VERSION } from '../fixtures/mirror.ts'

// The built `runner` installs yq from a 127.0.0.1 mirror in the github-release layout
// (fixtures/mirror.ts): the real trimmed listing at api/releases, and for v4.52.4 stand-in tarballs
// (a shell script named yq_linux_<arch> that prints yq's version line) with an rhash `checksums`
// table computed from them and the real hash order (fixtures/README.md).
const e2e = mirrorHarness({ feature: 'yq', mirror: (dir) => mirror({ dir }) })
beforeAll(e2e.start)
afterEach(e2e.reset)
afterAll(e2e.close)
const TARBALL = `/releases/download/v${VERSION}/yq_linux_amd64.tar.gz`

test('runner features list discovers yq from its folder', async () => {
  const list = JSON.parse((await e2e.box.run(['features', 'list', '--json'])).stdout)
  expect(list.plugins).toContainEqual(expect.objectContaining({ id: 'yq', name: '@runner-features/yq', origin: 'bundled' }))
})

test('install yq (latest) from the mirror: listing, rhash checksums, tarball; `yq` linked to the per-arch binary', async () => {
  const { box, server } = e2e
  const res = await box.run(['features', 'install', 'yq'])
  expect(res.exitCode, res.all).toBe(0)
  // The two checksum files are fetched together, so their order is not fixed.
  expect([...server.requests].sort()).toEqual([
    'GET /api/releases 200',
    `GET /releases/download/v${VERSION}/checksums 200`,
    `GET /releases/download/v${VERSION}/checksums_hashes_order 200`,
    `GET ${TARBALL} 200`,
  ])
  expect(execFileSync(join(box.binDir, 'yq'), ['--version'], { encoding: 'utf8' })).toBe(`${versionLine(VERSION)}\n`)
  const dir = join(box.toolCache, 'yq', VERSION, 'x64')
  expect((await readdir(dir)).sort()).toEqual(['yq', 'yq.1', 'yq_linux_amd64'])
  expect((await readdir(join(box.toolCache, 'yq', VERSION))).sort()).toEqual(['x64', 'x64.complete'])
})

test('a tarball whose sha256 differs from the checksums table is CHECKSUM_MISMATCH and nothing is installed', async () => {
  const other = await e2e.sandbox()
  e2e.server.override(TARBALL, Buffer.concat([await readFile(join(e2e.mirror.root, TARBALL)), Buffer.from('tampered')]))
  const res = await other.run(['features', 'install', `yq@${VERSION}`, '--json'])
  expect(res.exitCode, res.all).toBe(1)
  // Per-feature failures are reported in results (the run as a whole exits 1).
  expect(JSON.parse(res.stdout).results).toEqual([expect.objectContaining({ id: 'yq', status: 'failed', error: expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }) })])
  expect(await readdir(join(other.toolCache, 'yq', VERSION)).catch(() => [])).toEqual([])
})
