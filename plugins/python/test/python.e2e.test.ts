import { chmod, lstat, mkdir, readFile, readlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness, missingCommands, withEnv, type RunnerSandbox } from '@runner-features/kit/testing'
import { createFeatureContext, detectPlatform, installFeature } from '@runner-features/installer'
import type { PluginRef } from '@runner-features/core'
import python from '../src/index.js'
import { mirror as buildPythonMirror } from '../fixtures/mirror.ts'

// The built `runner` against a local mirror in python-build-standalone's GitHub release layout,
// serving a real relocatable CPython (Debian bookworm's 3.11 rearranged into PBS's `python/` tree:
// see buildPythonMirror; its redirects are GitHub's `releases/latest/download/…`). The fixture
// needs apt-get download + dpkg-deb (Debian's mirror).
const e2e = mirrorHarness({ feature: 'python', mirror: () => buildPythonMirror(), skip: missingCommands('apt-get', 'dpkg-deb') })
beforeAll(e2e.start, 120_000)
afterEach(e2e.reset)
afterAll(e2e.close)

/**
 * python depends on common-utils@system (distro packages), which every install pulls in. The
 * sandbox's PATH starts with a dpkg-query that reports every package installed, so the dependency
 * is satisfied without apt touching this machine; the system-package flow itself is tested in
 * installer's root tests against a real rootfs.
 */
async function box(): Promise<RunnerSandbox> {
  const b = await e2e.sandbox()
  const fakeBin = join(b.dir, 'fake-bin')
  await mkdir(fakeBin)
  await writeFile(join(fakeBin, 'dpkg-query'), '#!/bin/sh\n# -W -f=<format> <pkg>…: every package is installed\nshift 2\nfor p in "$@"; do printf "%s\\tinstalled\\n" "$p"; done\n')
  await chmod(join(fakeBin, 'dpkg-query'), 0o755)
  b.env.PATH = `${fakeBin}:${process.env.PATH}`
  return b
}
const exists = (p: string) => lstat(p).then(() => true, () => false)

describe.skipIf(e2e.skipped)('python from relocatable CPython builds', () => {
  test('python@3.11 lands where actions/setup-python looks, runs relocated, and venv + pip work', async () => {
    const { mirror, server } = e2e
    const b = await box()
    const githubEnv = join(b.dir, 'github_env')
    const res = await b.run(['features', 'install', 'python@3.11'], { GITHUB_ENV: githubEnv })
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain(`python@3.11 → ${mirror.version}  installed`)
    // The newest release is found through GitHub's releases/latest/download redirect.
    expect(server.requests).toEqual(expect.arrayContaining([
      'GET /releases/latest/download/SHA256SUMS 302', `GET /releases/download/${mirror.tag}/SHA256SUMS 200`, `GET /releases/download/${mirror.tag}/${mirror.asset} 200`,
    ]))

    const dir = join(b.toolCache, 'Python', mirror.version, 'x64')
    expect(await exists(join(b.toolCache, 'Python', mirror.version, 'x64.complete'))).toBe(true)
    // setup-python runs <dir>/bin/python and python-versions builds also have a top-level `python`.
    expect(await readlink(join(dir, 'python'))).toBe('bin/python3.11')
    expect(await readlink(join(dir, 'bin', 'python'))).toBe('python3.11')
    expect(await readlink(join(dir, 'bin', 'python311'))).toBe('python3.11')
    const prefix = await execa(join(dir, 'bin', 'python'), ['-c', 'import sys, ssl, sqlite3, zlib; print(sys.prefix)'])
    expect(prefix.stdout).toBe(dir)

    const tc = await import('@actions/tool-cache')
    await withEnv({ RUNNER_TOOL_CACHE: b.toolCache }, () => {
      expect(tc.find('Python', '3.11', 'x64')).toBe(dir)
      expect(tc.find('Python', '3.x', 'x64')).toBe(dir)
      expect(tc.find('Python', '3.12', 'x64')).toBe('')
    })

    // Linked bins work for jobs that use no setup action.
    expect((await execa(join(b.binDir, 'python3'), ['--version'])).stdout).toBe(`Python ${mirror.version}`)
    expect((await execa(join(b.binDir, 'pip3'), ['--version'])).stdout).toContain(dir)
    expect(await readFile(githubEnv, 'utf8')).toContain(`pythonLocation=${dir}`)

    // venv with pip, offline (ensurepip installs from the wheels inside the build).
    const venv = join(b.dir, 'venv')
    await execa(join(dir, 'bin', 'python'), ['-m', 'venv', venv])
    const inVenv = await execa(join(venv, 'bin', 'python'), ['-c', 'import sys; print(sys.prefix != sys.base_prefix, sys.base_prefix)'])
    expect(inVenv.stdout).toBe(`True ${dir}`)
    expect((await execa(join(venv, 'bin', 'pip'), ['--version'])).stdout).toContain(venv)
  }, 120_000)

  test('a re-install is a no-op without requests; python@system resolves without asking upstream', async () => {
    const b = await box()
    expect((await b.run(['features', 'install', 'python@3.11'])).exitCode).toBe(0)
    e2e.server.requests.splice(0)
    const again = await b.run(['features', 'install', 'python@3.11'])
    expect(again.exitCode, again.all).toBe(0)
    expect(again.stdout).toContain('already installed')
    const plan = await b.run(['features', 'install', 'python@system', '--dry-run', '--json'])
    const planned = JSON.parse(plan.stdout).results
    expect(planned.map((r: { id: string }) => r.id)).toEqual(['common-utils', 'python'])
    expect(planned[1]).toMatchObject({ id: 'python', version: 'system', status: expect.stringMatching(/would-install|already-installed/) })
    expect(e2e.server.requests).toEqual([])
  }, 120_000)

  test('a tampered build fails CHECKSUM_MISMATCH and leaves nothing behind', async () => {
    const { mirror } = e2e
    const b = await box()
    e2e.server.override(`/releases/download/${mirror.tag}/${mirror.asset}`, Buffer.from('not a tarball'))
    const res = await b.run(['features', 'install', 'python@3.11', '--json'])
    expect(res.exitCode).not.toBe(0)
    expect(JSON.parse(res.stdout).results.find((r: { id: string }) => r.id === 'python').error).toMatchObject({ code: 'CHECKSUM_MISMATCH' })
    expect(await exists(join(b.toolCache, 'Python', mirror.version, 'x64'))).toBe(false)
    expect(await exists(join(b.binDir, 'python3'))).toBe(false)
  }, 60_000)

  test('a version the release does not build is VERSION_NOT_FOUND, naming what it has', async () => {
    const b = await box()
    const res = await b.run(['features', 'install', 'python@3.9', '--json'])
    expect(res.exitCode).not.toBe(0)
    // Versions are resolved while planning: the run fails as a whole, before any download.
    const error = JSON.parse(res.stdout).error
    expect(error).toMatchObject({ code: 'VERSION_NOT_FOUND' })
    expect(JSON.stringify(error)).toContain(e2e.mirror.version)
  }, 60_000)

  test('pip-packages (team config option) are installed into the new tool-cache Python, console scripts included', async () => {
    const { mirror, server } = e2e
    const b = await box()
    const wheel = await tinyWheel(b.dir)
    const options = python.options!.safeParse({ 'pip-packages': [wheel] })
    if (!options.success) throw new Error(options.error.message)
    const platform = await detectPlatform()
    const { ctx, http } = createFeatureContext(python, { platform, mirror: server.url, logger: { info() {}, warn() {}, debug() {} }, signal: new AbortController().signal, cacheDir: b.cacheDir, indexTtlMs: 0 })
    const settings = { toolCacheRoot: b.toolCache, binDir: b.binDir, cacheDir: b.cacheDir, stateFile: join(b.toolCache, '.runner-features', 'state.json'), env: {}, link: false }
    const plugin = { name: '@runner-features/python', version: '0', dir: '/x', origin: 'bundled', manifest: python } as PluginRef
    const outcome = await installFeature({ feature: python, plugin, version: { version: mirror.version }, platform, ctx: { ...ctx, options: options.data }, http }, settings)
    expect(outcome.status).toBe('installed')
    const dir = join(b.toolCache, 'Python', mirror.version, 'x64')
    expect((await execa(join(dir, 'bin', 'python'), ['-c', 'import rfhello; print(rfhello.GREETING)'])).stdout).toBe('hello from rfhello')
    // The console script (where this build's pip puts scripts) names the final install dir in its
    // shebang, not a staging dir: the step ran after the rename.
    const scripts = (await execa(join(dir, 'bin', 'python'), ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))'])).stdout
    expect(scripts.startsWith(`${dir}/`)).toBe(true)
    expect((await readFile(join(scripts, 'rfhello'), 'utf8')).split('\n')[0]).toBe(`#!${dir}/bin/python3.11`)
    expect((await execa(join(scripts, 'rfhello'))).stdout).toBe('hello from rfhello')
    expect(python.options!.safeParse({ 'pip-packages': ['--index-url=https://evil.example/'] }).success).toBe(false)
  }, 120_000)
})

/** A minimal pure-Python wheel (rfhello 1.0, with a console script), written with the host's python3 zipfile. */
async function tinyWheel(dir: string): Promise<string> {
  const file = join(dir, 'rfhello-1.0-py3-none-any.whl')
  const script = [
    'import sys, zipfile',
    'files = {',
    '  "rfhello/__init__.py": "GREETING = \'hello from rfhello\'\\ndef main():\\n    print(GREETING)\\n",',
    '  "rfhello-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: rfhello\\nVersion: 1.0\\n",',
    '  "rfhello-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: runner-features-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",',
    '  "rfhello-1.0.dist-info/entry_points.txt": "[console_scripts]\\nrfhello = rfhello:main\\n",',
    '}',
    'with zipfile.ZipFile(sys.argv[1], "w") as z:',
    '  for name, text in files.items(): z.writestr(name, text)',
    '  z.writestr("rfhello-1.0.dist-info/RECORD", "".join(f"{n},,\\n" for n in [*files, "rfhello-1.0.dist-info/RECORD"]))',
  ].join('\n')
  await execa('python3', ['-c', script, file])
  return file
}
