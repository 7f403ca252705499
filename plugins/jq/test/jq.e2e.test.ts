import { execFileSync } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { mirrorHarness } from '@runner-features/kit/testing'
import { mirror } from '../fixtures/mirror.ts'

// The built `runner` installs jq from a 127.0.0.1 mirror in the github-release layout
// (fixtures/mirror.ts): the real trimmed listing at api/releases, and for jq-1.7.1 and jq-1.8.1
// stand-in single binaries (a shell script printing `jq-<V>`) with a sha256sum.txt computed from them.
const e2e = mirrorHarness({ feature: 'jq', mirror: (dir) => mirror({ dir }) })
beforeAll(e2e.start)
afterEach(e2e.reset)
afterAll(e2e.close)

test('install jq (latest → 1.8.1): listing, sha256sum.txt, the single binary installed as `jq` and linked', async () => {
  const { box, server } = e2e
  const res = await box.run(['features', 'install', 'jq'])
  expect(res.exitCode, res.all).toBe(0)
  expect(server.requests).toEqual(['GET /api/releases 200', 'GET /releases/download/jq-1.8.1/sha256sum.txt 200', 'GET /releases/download/jq-1.8.1/jq-linux-amd64 200'])
  expect(execFileSync(join(box.binDir, 'jq'), ['--version'], { encoding: 'utf8' })).toBe('jq-1.8.1\n')
  expect(await readdir(join(box.toolCache, 'jq', '1.8.1', 'x64'))).toEqual(['jq'])
})

test('a pinned older version, then the listing says which versions exist for one that does not', async () => {
  const { box } = e2e
  const pinned = await box.run(['features', 'install', 'jq@1.7.1'])
  expect(pinned.exitCode, pinned.all).toBe(0)
  expect(execFileSync(join(box.binDir, 'jq'), ['--version'], { encoding: 'utf8' })).toBe('jq-1.7.1\n')
  const missing = await box.run(['features', 'install', 'jq@1.6', '--json'])
  expect(missing.exitCode).toBe(1)
  expect(JSON.parse(missing.stdout).error.code).toBe('VERSION_NOT_FOUND')
})
