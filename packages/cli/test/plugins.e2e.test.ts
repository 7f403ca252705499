import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/hello-plugin', import.meta.url))
let upstreamDir: string
let server: MirrorServer
let b: Sandbox

beforeAll(async () => {
  // The hello plugin's upstream: an index, a checksum file and a single-file artifact.
  upstreamDir = await mkdtemp(join(tmpdir(), 'rf-hello-'))
  const script = '#!/bin/sh\necho "hello 2.0.0"\n'
  await mkdir(join(upstreamDir, '2.0.0'), { recursive: true })
  await writeFile(join(upstreamDir, 'index.json'), JSON.stringify({ versions: ['1.0.0', '2.0.0'] }))
  await writeFile(join(upstreamDir, '2.0.0', 'hello'), script)
  await writeFile(join(upstreamDir, '2.0.0', 'SHA256SUMS'), `${createHash('sha256').update(script).digest('hex')}  hello\n`)
  server = await startMirrorServer(upstreamDir)
  b = await sandbox({ RUNNER_FEATURES_MIRROR_HELLO: server.url })
})
afterAll(async () => {
  await server?.close()
  await b?.cleanup()
  await rm(upstreamDir, { recursive: true, force: true })
})

test('a plugin installed later from a directory is listed with its own version and installs, without rebuilding the CLI', async () => {
  const before = await b.runner(['features', 'install', 'hello'])
  expect(before.stderr).toContain('error UNKNOWN_FEATURE')

  const add = await b.runner(['plugins', 'install', fixture])
  expect(add.exitCode, add.all).toBe(0)
  expect(add.stdout).toContain('installed plugin @acme/runner-feature-hello@3.1.4 (feature "hello")')

  const list = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout)
  expect(list.plugins).toContainEqual(expect.objectContaining({ id: 'hello', name: '@acme/runner-feature-hello', version: '3.1.4', origin: 'user' }))

  const res = await b.runner(['features', 'install', 'hello@2'])
  expect(res.exitCode, res.all).toBe(0)
  expect((await execa(join(b.binDir, 'hello'))).stdout).toBe('hello 2.0.0')
  const state = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout)
  expect(state.installed[0]).toMatchObject({ id: 'hello', version: '2.0.0', plugin: '@acme/runner-feature-hello@3.1.4' })
})

test('a plugin from an npm-pack tarball installs; uninstall removes it; bundled plugins cannot be removed', async () => {
  const work = await mkdtemp(join(tmpdir(), 'rf-pack-'))
  try {
    await cp(fixture, join(work, 'src'), { recursive: true })
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: join(work, 'src') })
    const tgz = join(work, JSON.parse(packed.stdout)[0].filename)
    const c = await sandbox()
    try {
      const add = await c.runner(['plugins', 'install', tgz, '--json'])
      expect(add.exitCode, add.all).toBe(0)
      expect(JSON.parse(add.stdout)).toMatchObject({ name: '@acme/runner-feature-hello', source: 'tarball' })
      const rm1 = await c.runner(['plugins', 'uninstall', 'hello'])
      expect(rm1.exitCode, rm1.all).toBe(0)
      const list = JSON.parse((await c.runner(['features', 'list', '--json'])).stdout)
      expect(list.plugins.map((p: { id: string }) => p.id)).not.toContain('hello')
      const bundled = await c.runner(['plugins', 'uninstall', 'nodejs'])
      expect(bundled.stderr).toContain('ships with the CLI')
    } finally {
      await c.cleanup()
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
})

test('a package that is not a feature plugin is refused and nothing is added', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rf-notplugin-'))
  try {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'left-pad', version: '1.0.0' }))
    const res = await b.runner(['plugins', 'install', dir])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain('error PLUGIN_INVALID')
    expect(res.stderr).toContain('runner.feature')
    const index = JSON.parse(await readFile(join(b.env.RUNNER_FEATURES_PLUGINS_DIR!, 'package.json'), 'utf8'))
    expect(Object.keys(index.dependencies)).toEqual(['@acme/runner-feature-hello'])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('listing never imports plugin code: a plugin whose code throws on import is still listed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rf-throws-'))
  const c = await sandbox()
  try {
    await cp(fixture, dir, { recursive: true })
    await writeFile(join(dir, 'dist', 'index.js'), 'throw new Error("plugin code was imported")\n')
    // Registered as a directory install would be, then listed through both the fast path and oclif.
    const add = await c.runner(['plugins', 'install', dir])
    expect(add.stderr).toContain('error PLUGIN_INVALID')
    const pdir = c.env.RUNNER_FEATURES_PLUGINS_DIR!
    await mkdir(join(pdir, 'node_modules', '@acme'), { recursive: true })
    await cp(dir, join(pdir, 'node_modules', '@acme', 'runner-feature-hello'), { recursive: true })
    await writeFile(join(pdir, 'package.json'), JSON.stringify({ private: true, dependencies: { '@acme/runner-feature-hello': '3.1.4' } }))
    for (const env of [{ RUNNER_FEATURES_NO_FAST_PATH: '0' }, { RUNNER_FEATURES_NO_FAST_PATH: '1' }]) {
      const list = await c.runner(['features', 'list', '--json'], { env })
      expect(list.exitCode, list.all).toBe(0)
      expect(JSON.parse(list.stdout).plugins).toContainEqual(expect.objectContaining({ id: 'hello', origin: 'user' }))
    }
    const install = await c.runner(['features', 'install', 'hello'])
    expect(install.stderr).toContain('PLUGIN_INVALID')
    expect(install.stderr).toContain('plugin code was imported')
  } finally {
    await c.cleanup()
    await rm(dir, { recursive: true, force: true })
  }
})
