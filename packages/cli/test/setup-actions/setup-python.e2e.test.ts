import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness, missingCommands } from '../../../kit/src/testing/index.js'
import { mirror as buildPythonMirror } from '../../../../plugins/python/fixtures/mirror.ts'
import { loadAction, runAction, type VendoredAction } from './run-action.js'

// The real actions/setup-python v7.0.0 bundle (vendor/setup-python), run with no network against a
// tool cache the built `runner` filled from a local python-build-standalone mirror holding a real
// relocatable CPython (Debian's 3.11, see buildPythonMirror: needs apt-get download + dpkg-deb).
const e2e = mirrorHarness({ feature: 'python', mirror: () => buildPythonMirror(), skip: missingCommands('apt-get', 'dpkg-deb') })
let action: VendoredAction
let dir: string

beforeAll(async () => {
  await e2e.start()
  if (e2e.skipped) return
  ;[action] = await Promise.all([loadAction('setup-python'), e2e.install('python@3.11')])
  dir = join(e2e.box.toolCache, 'Python', e2e.mirror.version, 'x64')
}, 300_000)
afterAll(e2e.close)

describe.skipIf(e2e.skipped)('actions/setup-python v7.0.0 on our install, offline', () => {
  test.each(['3.11', '<exact>', '3.x', '>=3.10 <3.12'])('python-version %s with every other input at its default: a cache hit, no request', async (spec) => {
    const run = await runAction(action, { with: { 'python-version': spec === '<exact>' ? e2e.mirror.version : spec }, toolCache: e2e.box.toolCache })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Successfully set up CPython (${e2e.mirror.version})`)
    expect(run.path).toEqual(expect.arrayContaining([dir, join(dir, 'bin')]))
    expect(run.outputs['python-version']).toBe(e2e.mirror.version)
    expect(run.outputs['python-path']).toBe(join(dir, 'bin', 'python'))
    expect(run.env).toMatchObject({ pythonLocation: dir, Python_ROOT_DIR: dir, Python3_ROOT_DIR: dir, LD_LIBRARY_PATH: expect.stringContaining(join(dir, 'lib')) })
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('the interpreter setup-python points at runs from our tool cache', async () => {
    const run = await runAction(action, { with: { 'python-version': '3.11' }, toolCache: e2e.box.toolCache })
    const prefix = await execa(run.outputs['python-path']!, ['-c', 'import sys, ssl; print(sys.prefix)'])
    expect(prefix.stdout).toBe(dir)
  }, 60_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await runAction(action, { with: { 'python-version': '3.12' }, toolCache: e2e.box.toolCache })
    expect(run.exitCode).not.toBe(0)
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 60_000)

  test('check-latest: true fetches the python-versions manifest even on a hit, and fails without it: keep it false on offline runners', async () => {
    const run = await runAction(action, { with: { 'python-version': '3.11', 'check-latest': 'true' }, toolCache: e2e.box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.exitCode).not.toBe(0)
    expect(run.log).toContain('Failed to fetch the Python versions manifest')
  }, 60_000)

  test('AGENT_TOOLSDIRECTORY overrides RUNNER_TOOL_CACHE in setup-python: pointed elsewhere, it misses our install', async () => {
    const run = await runAction(action, { with: { 'python-version': '3.11' }, toolCache: e2e.box.toolCache, env: { AGENT_TOOLSDIRECTORY: join(e2e.box.dir, 'elsewhere') } })
    expect(run.exitCode).not.toBe(0)
    expect(run.log).not.toContain(`Successfully set up CPython (${e2e.mirror.version})`)
  }, 60_000)
})
