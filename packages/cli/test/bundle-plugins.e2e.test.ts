// Third-party plugins in vendor bundles, end to end with the built CLI and a real npm registry
// (verdaccio on 127.0.0.1): the hello test plugin is published, installed from the registry and
// locked with a config using it; `vendor` puts its npm tarball into the bundle (verified against the
// lock's integrity; a registry serving other bytes is refused); the registry is stopped and, in a
// network namespace without network (`unshare -n`, as root), `install --from` on a fresh machine
// installs the plugin from the bundle, then the feature. A tampered tarball, or a plugin the
// machine's policy does not allow, installs nothing.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { appendFile, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { RUNNER_BIN, sandbox, type RunResult, type Sandbox } from './helpers.js'
import { startRegistry, type Registry } from './verdaccio.js'

const NAME = '@acme/runner-feature-hello'
const TARBALL = 'plugins/acme-runner-feature-hello-3.1.4.tgz'
const fixture = fileURLToPath(new URL('./fixtures/hello-plugin', import.meta.url))
const isRoot = process.getuid?.() === 0
const SUMS = (script: string) => Buffer.concat([Buffer.from('# r\xe9sum\xe9 (Latin-1)\n', 'latin1'), Buffer.from(`${createHash('sha256').update(script).digest('hex')}  hello\n`)])

let work: string
let upstream: MirrorServer
const registries: Registry[] = []
const boxes: Sandbox[] = []

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rf-bundle-plugins-'))
  // The hello plugin's upstream: an index, a checksum file and a single-file artifact.
  const script = '#!/bin/sh\necho "hello 2.0.0"\n'
  await mkdir(join(work, 'upstream', '2.0.0'), { recursive: true })
  await writeFile(join(work, 'upstream', 'index.json'), JSON.stringify({ versions: ['2.0.0'] }))
  await writeFile(join(work, 'upstream', '2.0.0', 'hello'), script)
  // A comment line in Latin-1 (not UTF-8): the bundle must carry the checksum file's exact bytes.
  await writeFile(join(work, 'upstream', '2.0.0', 'SHA256SUMS'), SUMS(script))
  upstream = await startMirrorServer(join(work, 'upstream'))
}, 60_000)
afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()))
  await upstream?.close()
  await Promise.all(boxes.map((b) => b.cleanup()))
  if (work) await rm(work, { recursive: true, force: true })
})

async function box(env: Record<string, string> = {}): Promise<Sandbox> {
  const b = await sandbox(env)
  boxes.push(b)
  return b
}

/** The built CLI with no network at all: a fresh network namespace (root), else the plain process. */
async function offlineRun(b: Sandbox, args: string[]): Promise<RunResult> {
  if (!isRoot) return b.runner(args)
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('RUNNER_') && !k.startsWith('GITHUB_'))) as Record<string, string>
  const r = await execa('unshare', ['-n', process.execPath, RUNNER_BIN, ...args], { env: { ...clean, ...b.env }, extendEnv: false, reject: false, all: true })
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) }
}

/** A copy of the hello plugin, optionally with other bytes (same name and version). */
async function pluginCopy(name: string, changed: boolean): Promise<string> {
  const dir = join(work, name)
  await cp(fixture, dir, { recursive: true })
  if (changed) await appendFile(join(dir, 'dist', 'index.js'), '\n// re-published with other bytes\n')
  return dir
}

/** Nothing of hello on this machine: no plugin, no tool dir, no link. */
async function expectNothingInstalled(b: Sandbox): Promise<void> {
  expect(existsSync(join(b.dir, 'plugins', 'node_modules', '@acme', 'runner-feature-hello'))).toBe(false)
  expect((await readdir(b.toolCache).catch(() => [] as string[])).filter((e) => e !== '.runner-features')).toEqual([])
  expect(existsSync(join(b.binDir, 'hello'))).toBe(false)
}

test('vendor bundles the locked plugin tarball; install --from installs plugin then feature with no network; tampering or policy refusal installs nothing', async () => {
  const registry = await startRegistry(join(work, 'registry-a'))
  registries.push(registry)
  await registry.publish(await pluginCopy('hello-a', false))

  // Online: the plugin from the registry, a team config using it, locked and vendored.
  const online = await box({ RUNNER_FEATURES_MIRROR_HELLO: upstream.url })
  const added = await online.runner(['plugins', 'install', NAME, '--registry', registry.url, '--json'])
  expect(added.exitCode, added.all).toBe(0)
  const { integrity } = JSON.parse(added.stdout) as { integrity: string }
  expect(integrity).toMatch(/^sha512-/)
  const repo = join(online.dir, 'repo')
  await mkdir(join(repo, '.github'), { recursive: true })
  const config = join(repo, '.github', 'runner-config.yml')
  await writeFile(config, 'features:\n  - hello@2.0.0\n')
  const locked = await online.runner(['features', 'lock', '--platform', 'linux-x64', '--config', config])
  expect(locked.exitCode, locked.all).toBe(0)
  expect(await readFile(join(repo, '.github', 'runner-features.lock'), 'utf8')).toContain(integrity)

  const bundle = join(work, 'bundle.tar')
  const vendored = await online.runner(['features', 'vendor', '-o', bundle, '--config', config, '--registry', registry.url, '--json'])
  expect(vendored.exitCode, vendored.all).toBe(0)
  const manifest = JSON.parse(vendored.stdout) as { files: Array<{ path: string; kind: string; sha256: string }>; frozenOnly?: string[] }
  expect(manifest.files).toContainEqual(expect.objectContaining({ path: TARBALL, kind: 'plugin' }))
  // A bundle only serves frozen installs: no version index, and no "frozen-only" noise for hello,
  // whose plugin has no index trimmer (`mirror build` warns about it).
  expect(manifest.files.filter((f) => f.kind === 'index')).toEqual([])
  expect(manifest.frozenOnly).toBeUndefined()
  expect(vendored.stderr).not.toContain('no version index')
  expect(vendored.stderr).not.toContain('frozen')
  const built = await online.runner(['features', 'mirror', 'build', join(work, 'mirror'), '--config', config])
  expect(built.exitCode, built.all).toBe(0)
  expect(built.stderr).toContain('hello@2.0.0: no version index in the mirror')

  // A registry serving other bytes for the same version: vendor refuses it and writes no bundle.
  const other = await startRegistry(join(work, 'registry-b'))
  registries.push(other)
  await other.publish(await pluginCopy('hello-b', true))
  const refused = await online.runner(['features', 'vendor', '-o', join(work, 'refused.tar'), '--config', config, '--registry', other.url])
  expect(refused.exitCode).toBe(1)
  expect(refused.stderr).toContain('error PLUGIN_INTEGRITY_MISMATCH')
  expect(refused.stderr).toContain(`the lock recorded ${integrity}`)
  expect(existsSync(join(work, 'refused.tar'))).toBe(false)

  // The air gap: no registry, no upstream, no network; a fresh home, plugins dir and caches.
  await Promise.all(registries.map((r) => r.stop()))
  const airGapped = await box()
  const installed = await offlineRun(airGapped, ['features', 'install', '--from', bundle, '--config', config, '--json'])
  expect(installed.exitCode, installed.all).toBe(0)
  expect(installed.stderr).toContain(`installed plugin ${NAME}@3.1.4 (feature "hello") from the bundle`)
  // --json: the features' report plus what came from the bundle besides them.
  const report = JSON.parse(installed.stdout) as { results: Array<{ id: string; status: string }>; bundle: { file: string; plugins: unknown[] } }
  expect(report.results).toContainEqual(expect.objectContaining({ id: 'hello', status: 'installed' }))
  expect(report.bundle).toEqual({
    file: bundle,
    plugins: [{ feature: 'hello', name: NAME, version: '3.1.4', integrity, status: 'installed', dir: join(airGapped.dir, 'plugins', 'node_modules', '@acme', 'runner-feature-hello') }],
  })
  expect((await execa(join(airGapped.binDir, 'hello'))).stdout).toBe('hello 2.0.0')
  const index = JSON.parse(await readFile(join(airGapped.dir, 'plugins', 'package.json'), 'utf8'))
  expect(index.runnerFeatures.integrity[NAME]).toBe(integrity)
  // --dry-run installs no plugin, so hello cannot be planned on a machine without it: the error says the bundle has it.
  const dryBox = await box()
  const dry = await offlineRun(dryBox, ['features', 'install', '--from', bundle, '--config', config, '--dry-run'])
  expect(dry.exitCode).toBe(1)
  expect(dry.stderr).toContain('error UNKNOWN_FEATURE')
  expect(dry.stderr).toContain(`the bundle carries its plugin ${NAME}@3.1.4, which --dry-run does not install`)
  await expectNothingInstalled(dryBox)
  // Again: the plugin is there with the locked integrity, so it is not reinstalled.
  const again = await offlineRun(airGapped, ['features', 'install', '--from', bundle, '--config', config, '--json'])
  expect(again.exitCode, again.all).toBe(0)
  expect(again.stderr).not.toContain('from the bundle into')
  expect((JSON.parse(again.stdout) as { bundle: { plugins: unknown[] } }).bundle.plugins).toEqual([{ feature: 'hello', name: NAME, version: '3.1.4', integrity, status: 'already-installed' }])

  // Tampered bundles: another tarball (same name and version) in place of the vendored one.
  const unpacked = join(work, 'unpacked')
  await mkdir(unpacked)
  await execa('tar', ['-xf', bundle, '-C', unpacked])
  // The checksum file travelled byte for byte (its Latin-1 line was not re-encoded as UTF-8).
  expect(await readFile(join(unpacked, 'hello.example.com', '2.0.0', 'SHA256SUMS'))).toEqual(await readFile(join(work, 'upstream', '2.0.0', 'SHA256SUMS')))
  const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: await pluginCopy('hello-c', true) })
  await cp(join(work, JSON.parse(packed.stdout)[0].filename), join(unpacked, ...TARBALL.split('/')))
  const repack = async (file: string) => {
    await execa('tar', ['-cf', file, '-C', unpacked, '.'])
    return file
  }
  // The tarball alone changed: it no longer matches the manifest.
  const swapped = await repack(join(work, 'swapped.tar'))
  const b1 = await box()
  const invalid = await offlineRun(b1, ['features', 'install', '--from', swapped, '--config', config])
  expect(invalid.exitCode).toBe(1)
  expect(invalid.stderr).toContain('error BUNDLE_INVALID')
  expect(invalid.stderr).toContain(`${TARBALL} is not the file the manifest lists`)
  await expectNothingInstalled(b1)
  // The manifest's line rewritten to match: the lock's integrity still catches it.
  const manifestFile = join(unpacked, 'runner-features-mirror.json')
  const m = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: Array<{ path: string; sha256: string }> }
  m.files.find((f) => f.path === TARBALL)!.sha256 = createHash('sha256').update(await readFile(join(unpacked, ...TARBALL.split('/')))).digest('hex')
  await writeFile(manifestFile, JSON.stringify(m, null, 2))
  const forged = await repack(join(work, 'forged.tar'))
  const b2 = await box()
  const mismatch = await offlineRun(b2, ['features', 'install', '--from', forged, '--config', config])
  expect(mismatch.exitCode).toBe(1)
  expect(mismatch.stderr).toContain('error PLUGIN_INTEGRITY_MISMATCH')
  expect(mismatch.stderr).toContain(`the lock recorded ${integrity}`)
  await expectNothingInstalled(b2)

  // The untouched bundle on a machine whose approved policy does not list the plugin.
  const strict = await box()
  await writeFile(strict.env.RUNNER_FEATURES_POLICY!, 'plugins:\n  - { name: "@acme/runner-feature-greet", version: "*" }\n')
  expect((await strict.runner(['plugins', 'allow'])).exitCode).toBe(0)
  const notAllowed = await offlineRun(strict, ['features', 'install', '--from', bundle, '--config', config])
  expect(notAllowed.exitCode).toBe(1)
  expect(notAllowed.stderr).toContain('error PLUGIN_NOT_ALLOWED')
  await expectNothingInstalled(strict)
}, 360_000)

test('a locked plugin installed from a directory has no integrity: vendor fails closed (CHECKSUM_MISSING) before downloading anything and writes no bundle', async () => {
  const online = await box({ RUNNER_FEATURES_MIRROR_HELLO: upstream.url })
  expect((await online.runner(['plugins', 'install', fixture])).exitCode).toBe(0)
  const repo = join(online.dir, 'repo')
  await mkdir(join(repo, '.github'), { recursive: true })
  const config = join(repo, '.github', 'runner-config.yml')
  await writeFile(config, 'features:\n  - hello@2.0.0\n')
  const locked = await online.runner(['features', 'lock', '--platform', 'linux-x64', '--config', config])
  expect(locked.exitCode, locked.all).toBe(0)
  const bundle = join(online.dir, 'bundle.tar')
  upstream.resetRequests()
  const vendored = await online.runner(['features', 'vendor', '-o', bundle, '--config', config, '--registry', 'http://127.0.0.1:9/'])
  expect(vendored.exitCode).toBe(1)
  expect(vendored.stderr).toContain('error CHECKSUM_MISSING')
  expect(vendored.stderr).toContain(`the lock records no npm integrity for ${NAME}@3.1.4`)
  expect(vendored.stderr).toContain(`runner plugins install ${NAME}@3.1.4`)
  expect(existsSync(bundle)).toBe(false)
  // Refused before any artifact was downloaded.
  expect(upstream.requests.map((r) => r.path)).not.toContain('/2.0.0/hello')
})
