import { afterAll, beforeAll, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sandbox, type Sandbox } from './helpers.js'

// `plugins install` arguments that must never reach the npm registry: a missing local path and
// a bundled feature's id. The registry is a local server that records every request.
let registry: MirrorServer
let b: Sandbox
beforeAll(async () => {
  registry = await startMirrorServer(await mkdtemp(join(tmpdir(), 'rf-registry-')))
  b = await sandbox()
})
afterAll(async () => {
  await registry?.close()
  await b?.cleanup()
})

test.each(['./missing-dir', '../nowhere/plugin', './acme-1.0.0.tgz'])('%s that does not exist is a local error; the registry is not asked', async (spec) => {
  registry.resetRequests()
  const res = await b.runner(['plugins', 'install', spec, '--registry', registry.url], { cwd: b.dir })
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toContain(`error PLUGIN_INSTALL_FAILED: ${spec}: ${spec} does not exist`)
  expect(res.stderr).not.toContain('HTTP 404')
  expect(registry.requests).toHaveLength(0)
})

test.each(['nodejs', 'nodejs@20', '@runner-features/terraform'])('%s says it is bundled instead of downloading an npm package', async (spec) => {
  registry.resetRequests()
  const res = await b.runner(['plugins', 'install', spec, '--registry', registry.url, '--json'])
  expect(res.exitCode).toBe(1)
  const error = JSON.parse(res.stdout).error
  expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', where: spec })
  expect(error.message).toMatch(/is bundled with the CLI/)
  expect(error.hint).toMatch(/runner features install (nodejs|terraform)@<version>/)
  expect(registry.requests).toHaveLength(0)
})
