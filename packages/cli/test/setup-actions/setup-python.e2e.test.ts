import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, test } from 'vitest'
import { mirrorHarness, missingCommands } from '../../../kit/src/testing/index.js'
import { mirror as buildPythonMirror } from '../../../../plugins/python/fixtures/mirror.ts'
import { actionOnInstall } from './on-install.js'

// The real actions/setup-python v7.0.0 bundle (vendor/setup-python), run with no network against a
// tool cache the built `runner` filled from a local python-build-standalone mirror holding a real
// relocatable CPython (Debian's 3.11, see buildPythonMirror: needs apt-get download + dpkg-deb).
const e2e = mirrorHarness({ feature: 'python', mirror: () => buildPythonMirror(), skip: missingCommands('apt-get', 'dpkg-deb') })
const setup = actionOnInstall('setup-python', e2e, 'python@3.11', (toolCache, m) => join(toolCache, 'Python', m.version, 'x64'))

describe.skipIf(e2e.skipped)('actions/setup-python v7.0.0 on our install, offline', () => {
  test.each(['3.11', '<exact>', '3.x', '>=3.10 <3.12'])('python-version %s with every other input at its default: a cache hit, no request', async (spec) => {
    const run = await setup.run({ 'python-version': spec === '<exact>' ? e2e.mirror.version : spec })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Successfully set up CPython (${e2e.mirror.version})`)
    expect(run.path).toEqual(expect.arrayContaining([setup.dir, join(setup.dir, 'bin')]))
    expect(run.outputs['python-version']).toBe(e2e.mirror.version)
    expect(run.outputs['python-path']).toBe(join(setup.dir, 'bin', 'python'))
    expect(run.env).toMatchObject({ pythonLocation: setup.dir, Python_ROOT_DIR: setup.dir, Python3_ROOT_DIR: setup.dir, LD_LIBRARY_PATH: expect.stringContaining(join(setup.dir, 'lib')) })
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('the interpreter setup-python points at runs from our tool cache', async () => {
    const run = await setup.run({ 'python-version': '3.11' })
    const prefix = await execa(run.outputs['python-path']!, ['-c', 'import sys, ssl; print(sys.prefix)'])
    expect(prefix.stdout).toBe(setup.dir)
  }, 60_000)

  test('a version we did not install misses and goes to the network (the trap proxy sees it), so the hits above are real', async () => {
    const run = await setup.run({ 'python-version': '3.12' })
    expect(run.exitCode).not.toBe(0)
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 60_000)

  test('check-latest: true fetches the python-versions manifest even on a hit, and fails without it: keep it false on offline runners', async () => {
    const run = await setup.run({ 'python-version': '3.11', 'check-latest': 'true' })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.exitCode).not.toBe(0)
    expect(run.log).toContain('Failed to fetch the Python versions manifest')
  }, 60_000)

  test('AGENT_TOOLSDIRECTORY overrides RUNNER_TOOL_CACHE in setup-python: pointed elsewhere, it misses our install', async () => {
    const run = await setup.run({ 'python-version': '3.11' }, { AGENT_TOOLSDIRECTORY: join(e2e.box.dir, 'elsewhere') })
    expect(run.exitCode).not.toBe(0)
    expect(run.log).not.toContain(`Successfully set up CPython (${e2e.mirror.version})`)
  }, 60_000)
})
