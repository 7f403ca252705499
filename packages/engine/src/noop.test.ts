import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { archFromNode } from '@runner-features/core'
import { tryNoopInstall } from './noop.js'
import type { RunEnv } from './run-env.js'

// The fast path's no-op check, against a real temp dir: bundled plugins found through a CLI
// package.json, a state manifest, markers and bin links.
const arch = archFromNode(process.arch) ?? process.arch
let dir: string
let rt: RunEnv
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engine-noop-'))
  rt = { env: {}, uid: 1000, toolCacheRoot: join(dir, 'tc'), binDir: join(dir, 'bin'), cacheDir: join(dir, 'cache'), stateFile: join(dir, 'tc', '.runner-features', 'state.json'), pluginDirs: [], cliPackageJson: join(dir, 'cli', 'package.json') }
  await mkdir(join(dir, 'cli'), { recursive: true })
  await writeFile(rt.cliPackageJson, JSON.stringify({ name: 'cli', oclif: { plugins: ['@test/app', '@test/lib'] } }))
  await plugin('app', [{ id: 'lib', version: '^3' }])
  await plugin('lib')
})
afterEach(() => rm(dir, { recursive: true, force: true }))

async function plugin(id: string, dependsOn?: { id: string; version: string }[]): Promise<void> {
  const pkgDir = join(dir, 'cli', 'node_modules', '@test', id)
  await mkdir(pkgDir, { recursive: true })
  await writeFile(join(pkgDir, 'package.json'), JSON.stringify({
    name: `@test/${id}`, version: '1.0.0', type: 'module', main: './index.js', keywords: ['oclif-plugin', 'runner-feature'], oclif: {},
    runner: { feature: { id, description: id, toolName: id, defaultVersion: 'latest', upstream: `https://${id}.example/`, platforms: [{ os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc'] }], ...(dependsOn ? { dependsOn } : {}) } },
  }))
}

/** Installs `id@version` as the installer leaves it: dir, marker, bin link, state record. */
async function installed(records: { id: string; version: string }[]): Promise<void> {
  await mkdir(rt.binDir, { recursive: true })
  const installs = []
  for (const { id, version } of records) {
    const path = join(rt.toolCacheRoot, id, version, arch)
    await mkdir(path, { recursive: true })
    await writeFile(join(path, id), '')
    await writeFile(`${path}.complete`, '')
    await symlink(join(path, id), join(rt.binDir, id))
    installs.push({ id, toolName: id, version, arch, path, sourceUrl: '', sha256: '', size: 0, plugin: { name: `@test/${id}`, version: '1.0.0' }, links: [join(rt.binDir, id)], installedAt: '' })
  }
  await mkdir(join(rt.toolCacheRoot, '.runner-features'), { recursive: true })
  await writeFile(rt.stateFile, JSON.stringify({ schemaVersion: 1, installs }))
}

test('installed with its dependency: answered from the state, zero requests', async () => {
  await installed([{ id: 'app', version: '1.0.0' }, { id: 'lib', version: '3.1.0' }])
  const report = await tryNoopInstall(rt, ['app@1'], true)
  expect(report).toMatchObject({ requests: 0, results: [{ id: 'app', version: '1.0.0', status: 'already-installed' }] })
})

test.each([
  ['missing', [{ id: 'app', version: '1.0.0' }]],
  ['at a version its dependant does not accept', [{ id: 'app', version: '1.0.0' }, { id: 'lib', version: '4.0.0' }]],
])('a dependency %s: not a no-op (the full path installs it)', async (_name, records) => {
  await installed(records)
  expect(await tryNoopInstall(rt, ['app@1'], true)).toBeUndefined()
})
