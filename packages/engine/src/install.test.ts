import { mkdtemp, mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { RunnerError, type Feature, type FeatureDependency, type InstalledRecord, type Platform, type PluginRef } from '@runner-features/core'
import type { InstallOutcome, InstallTarget } from '@runner-features/installer'
import type { EngineDeps } from './deps.js'
import { install, type InstallOptions } from './install.js'
import type { RunEnv } from './run-env.js'

// The engine with fake plugins and a fake installer: what gets planned, in which order, and what
// a failure looks like. The real installer and plugins are exercised by the CLI's e2e tests.

const PLATFORM: Platform = { os: 'linux', arch: 'x64', libc: 'glibc', distro: { id: 'debian', versionId: '12', idLike: [], family: 'debian', codename: 'bookworm' } }
const quiet = { info: () => {}, warn: () => {}, debug: () => {} }

let dir: string
let rt: RunEnv
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engine-test-'))
  rt = { env: {}, uid: 1000, toolCacheRoot: join(dir, 'tc'), binDir: join(dir, 'bin'), cacheDir: join(dir, 'cache'), stateFile: join(dir, 'tc', '.runner-features', 'state.json'), pluginDirs: [], cliPackageJson: join(dir, 'package.json') }
})
afterEach(() => rm(dir, { recursive: true, force: true }))

interface FakeSpec {
  id: string
  versions: string[]
  dependsOn?: FeatureDependency[]
  /** Throws from `artifact()` (e.g. no checksum for this platform). */
  artifactError?: Error
}

function fakeFeature(s: FakeSpec): Feature {
  return {
    id: s.id, description: s.id, toolName: s.id, defaultVersion: 'latest', upstream: `https://${s.id}.example/`,
    platforms: [{ os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc'] }], dependsOn: s.dependsOn,
    bins: [s.id], smokeTest: { command: [s.id, '--version'], expect: '{{version}}' },
    listVersions: async () => s.versions.map((version) => ({ version })),
    artifact: async ({ version }: { version: string }) => {
      if (s.artifactError) throw s.artifactError
      return { url: `https://${s.id}.example/${version}.tar.gz`, sha256: 'a'.repeat(64), archive: 'tar.gz', strip: 0, checksumSource: `https://${s.id}.example/SHA256SUMS` }
    },
  } as unknown as Feature
}

interface Harness {
  deps: EngineDeps
  /** `id@version` in the order installs started. */
  started: string[]
  /** `start id@version` / `end id@version`, in the order they happened. */
  events: string[]
  /** Most installs running at once. */
  peak: () => number
}

/** Fake plugins plus a fake installer; `fail` maps an id (or `id@version`) to what its install throws. */
function harness(specs: FakeSpec[], fail: Record<string, unknown> = {}): Harness {
  const features = new Map(specs.map((s) => [s.id, fakeFeature(s)]))
  const refs: PluginRef[] = specs.map((s) => ({ name: `@test/${s.id}`, version: '1.0.0', dir: join(dir, s.id), origin: 'bundled', manifest: features.get(s.id)! }))
  const started: string[] = []
  const events: string[] = []
  let running = 0
  let peak = 0
  const deps: EngineDeps = {
    discover: async () => ({ plugins: refs, problems: [], shadowed: [] }),
    detectPlatform: async () => PLATFORM,
    loadFeature: async (ref) => features.get(ref.manifest.id)!,
    installFeature: async (t: InstallTarget): Promise<InstallOutcome> => {
      const name = `${t.feature.id}@${t.version.version}`
      started.push(name)
      events.push(`start ${name}`)
      peak = Math.max(peak, ++running)
      await new Promise((r) => setTimeout(r, 5))
      running--
      events.push(`end ${name}`)
      const thrown = fail[name] ?? fail[t.feature.id]
      if (thrown) throw thrown
      const record: InstalledRecord = {
        id: t.feature.id, toolName: t.feature.toolName, version: t.version.version, arch: 'x64', path: join(rt.toolCacheRoot, t.feature.id),
        sourceUrl: t.artifacts?.[0]?.url ?? '', sha256: t.artifacts?.[0]?.sha256 ?? '', size: 1, plugin: { name: t.plugin.name, version: '1.0.0' }, links: [], installedAt: '',
      }
      return { status: 'installed', record }
    },
  }
  return { deps, started, events, peak: () => peak }
}

const options = (specs: string[], more: Partial<InstallOptions> = {}): InstallOptions => ({
  specs, cwd: dir, frozen: false, mirrors: new Map(), dryRun: false, refresh: false, link: true, jobs: 4, logger: quiet, signal: new AbortController().signal, ...more,
})

test('CLI arguments pull dependsOn: the dependency is planned, installed first, and reported', async () => {
  const h = harness([
    { id: 'app', versions: ['2.0.0', '1.0.0'], dependsOn: [{ id: 'lib', version: '^3' }] },
    { id: 'lib', versions: ['4.0.0', '3.2.0', '3.1.0'] },
  ])
  const report = await install(rt, options(['app@1']), h.deps)
  expect(h.started).toEqual(['lib@3.2.0', 'app@1.0.0'])
  expect(report.results.map((r) => `${r.id}@${r.spec} → ${r.version} ${r.status}`)).toEqual(['lib@^3 → 3.2.0 installed', 'app@1 → 1.0.0 installed'])
})

test('independent features install in parallel up to jobs; arguments keep their order within a level', async () => {
  const h = harness(['c', 'a', 'b', 'd'].map((id) => ({ id, versions: ['1.0.0'] })))
  const report = await install(rt, options(['c', 'a', 'b', 'd'], { jobs: 2 }), h.deps)
  expect(report.results.map((r) => r.id)).toEqual(['c', 'a', 'b', 'd'])
  expect(h.peak()).toBe(2)
  const serial = harness(['c', 'a'].map((id) => ({ id, versions: ['1.0.0'] })))
  await install(rt, options(['c', 'a'], { jobs: 1 }), serial.deps)
  expect(serial.peak()).toBe(1)
})

test('every request is validated before anything installs: a missing version fails the whole run', async () => {
  const h = harness([{ id: 'terraform', versions: ['1.5.7'] }, { id: 'nodejs', versions: ['20.1.0'] }])
  await expect(install(rt, options(['terraform@1.5.7', 'nodejs@99']), h.deps)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', where: 'nodejs@99 (argument)' })
  expect(h.started).toEqual([])
})

test('an artifact that cannot be planned (no checksum) fails before any install', async () => {
  const h = harness([{ id: 'good', versions: ['1.0.0'] }, { id: 'bad', versions: ['1.0.0'], artifactError: new RunnerError('CHECKSUM_MISSING', 'no sha256 for bad-1.0.0.tar.gz') }])
  await expect(install(rt, options(['good', 'bad']), h.deps)).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
  expect(h.started).toEqual([])
})

test("a plugin's bug while planning is INTERNAL_ERROR naming the feature, and nothing installs", async () => {
  const h = harness([{ id: 'good', versions: ['1.0.0'] }, { id: 'buggy', versions: ['1.0.0'], artifactError: new TypeError("Cannot read properties of undefined (reading 'sha256')") }])
  const err = await install(rt, options(['good', 'buggy']), h.deps).catch((e: unknown) => e)
  expect(err).toMatchObject({ code: 'INTERNAL_ERROR', where: 'buggy@latest', message: "unexpected error: TypeError: Cannot read properties of undefined (reading 'sha256')" })
  expect(h.started).toEqual([])
})

test('a failed dependency blocks its dependants, which are not attempted', async () => {
  const h = harness([
    { id: 'app', versions: ['1.0.0'], dependsOn: [{ id: 'lib', version: '1' }] },
    { id: 'lib', versions: ['1.0.0'] },
    { id: 'other', versions: ['1.0.0'] },
  ], { lib: new RunnerError('DOWNLOAD_FAILED', 'HTTP 503 from https://lib.example/1.0.0.tar.gz', { hint: 'retry later' }) })
  const report = await install(rt, options(['app', 'other']), h.deps)
  expect(h.started.sort()).toEqual(['lib@1.0.0', 'other@1.0.0'])
  expect(Object.fromEntries(report.results.map((r) => [r.id, `${r.status} ${r.error?.code ?? ''}`.trim()]))).toEqual({ lib: 'failed DOWNLOAD_FAILED', app: 'failed DOWNLOAD_FAILED', other: 'installed' })
  expect(report.results.find((r) => r.id === 'app')!.error!.message).toBe('not installed: lib, which it installs after, failed')
})

test.each([
  ['a bug keeps its real cause as INTERNAL_ERROR', new TypeError("Cannot read properties of undefined (reading 'x')"), 'INTERNAL_ERROR', "unexpected error: TypeError: Cannot read properties of undefined (reading 'x')"],
  ['ENOSPC is DISK_FULL with the path', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/cache/tmp/x' }), 'DISK_FULL', 'no space left on the device while writing /cache/tmp/x'],
  ['EACCES is PERMISSION_DENIED with the path', Object.assign(new Error('EACCES: permission denied, mkdir'), { code: 'EACCES', path: '/opt/hostedtoolcache/app', syscall: 'mkdir' }), 'PERMISSION_DENIED', '/opt/hostedtoolcache/app (EACCES on mkdir)'],
  ['a coded error keeps its code', new RunnerError('SMOKE_TEST_FAILED', 'app --version exited 1'), 'SMOKE_TEST_FAILED', 'app --version exited 1'],
])('install failure: %s', async (_name, thrown, code, message) => {
  const h = harness([{ id: 'app', versions: ['1.0.0'] }], { app: thrown })
  const report = await install(rt, options(['app']), h.deps)
  expect(report.results[0]).toMatchObject({ status: 'failed', error: { code } })
  expect(report.results[0]!.error!.message).toContain(message)
})

test('--dry-run plans the artifact and installs nothing; an installed version is reused without asking upstream', async () => {
  const h = harness([{ id: 'app', versions: ['1.2.0', '1.1.0'] }])
  const plan = await install(rt, options(['app@1'], { dryRun: true }), h.deps)
  expect(plan.results[0]).toMatchObject({ status: 'would-install', version: '1.2.0', sourceUrl: 'https://app.example/1.2.0.tar.gz', sha256: 'a'.repeat(64) })
  expect(h.started).toEqual([])

  // 1.1.0 is installed (marker present, recorded in state): `app@1` keeps it, no listVersions call.
  await mkdir(join(rt.toolCacheRoot, 'app', '1.1.0', 'x64'), { recursive: true })
  await writeFile(join(rt.toolCacheRoot, 'app', '1.1.0', 'x64.complete'), '')
  await mkdir(join(rt.toolCacheRoot, '.runner-features'), { recursive: true })
  await writeFile(rt.stateFile, JSON.stringify({ schemaVersion: 1, installs: [{ id: 'app', toolName: 'app', version: '1.1.0', arch: 'x64', path: join(rt.toolCacheRoot, 'app', '1.1.0', 'x64'), sourceUrl: '', sha256: '', size: 0, plugin: { name: '@test/app', version: '1.0.0' }, links: [], installedAt: '' }] }))
  const offline = harness([{ id: 'app', versions: [] }])
  const again = await install(rt, options(['app@1'], { dryRun: true }), offline.deps)
  expect(again.results[0]).toMatchObject({ status: 'already-installed', version: '1.1.0' })
})

test('feature arguments with --frozen or --config are refused', async () => {
  await expect(install(rt, options(['app'], { frozen: true }), harness([]).deps)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
})

test('preflight runs once, before the first install, and its error stops the run', async () => {
  const h = harness([{ id: 'a', versions: ['1.0.0'] }, { id: 'b', versions: ['1.0.0'] }])
  const calls: string[] = []
  h.deps.preflight = async (t) => {
    calls.push(t.toolCacheRoot)
    throw new RunnerError('PERMISSION_DENIED', `cannot write ${t.toolCacheRoot}`, { where: t.toolCacheRoot })
  }
  await expect(install(rt, options(['a', 'b']), h.deps)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
  expect(calls).toEqual([rt.toolCacheRoot])
  expect(h.started).toEqual([])
})

const lines = (report: { results: { id: string; spec: string; version: string; status: string; error?: { code: string } }[] }) =>
  report.results.map((r) => `${r.id}@${r.spec} → ${r.version} ${r.status}${r.error ? ` ${r.error.code}` : ''}`)

test('several versions of one feature: one plan, one line each, installed one after another in the order asked', async () => {
  const h = harness([{ id: 'app', versions: ['2.1.0', '2.0.0', '1.4.0'] }, { id: 'other', versions: ['1.0.0'] }])
  const report = await install(rt, options(['app@2', 'other', 'app@1'], { jobs: 4 }), h.deps)
  expect(lines(report)).toEqual(['app@2 → 2.1.0 installed', 'app@1 → 1.4.0 installed', 'other@latest → 1.0.0 installed'])
  // The one named last finishes last, so its links and PATH entry are the ones left in place.
  const app = h.events.filter((e) => e.includes('app@'))
  expect(app).toEqual(['start app@2.1.0', 'end app@2.1.0', 'start app@1.4.0', 'end app@1.4.0'])
  // Other features still run beside them.
  expect(h.events.indexOf('start other@1.0.0')).toBeLessThan(h.events.indexOf('end app@2.1.0'))
})

test('several versions: --dry-run lists every version with its artifact; a bad one fails the whole plan first', async () => {
  const h = harness([{ id: 'app', versions: ['2.0.0', '1.0.0'] }])
  const plan = await install(rt, options(['app@1', 'app@2'], { dryRun: true }), h.deps)
  expect(plan.results.map((r) => [r.version, r.status, r.sourceUrl])).toEqual([
    ['1.0.0', 'would-install', 'https://app.example/1.0.0.tar.gz'],
    ['2.0.0', 'would-install', 'https://app.example/2.0.0.tar.gz'],
  ])
  for (const specs of [['app@99', 'app@2'], ['app@2', 'app@99']]) {
    await expect(install(rt, options(specs), h.deps)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', where: 'app@99 (argument)' })
  }
  expect(h.started).toEqual([])
})

test('several versions: dependsOn joins the version named last, and only its failure blocks dependants', async () => {
  const specs = [
    { id: 'app', versions: ['1.0.0'], dependsOn: [{ id: 'lib', version: '^3' }] },
    { id: 'lib', versions: ['4.0.0', '3.2.0', '3.1.0'] },
  ]
  // lib@4 first, lib@3 last: lib@3 is the one app gets, so app's ^3 is met.
  const ok = harness(specs, { 'lib@4.0.0': new RunnerError('DOWNLOAD_FAILED', 'HTTP 503') })
  expect(lines(await install(rt, options(['lib@4', 'lib@3', 'app']), ok.deps))).toEqual([
    'lib@4 → 4.0.0 failed DOWNLOAD_FAILED', 'lib@3 → 3.2.0 installed', 'app@latest → 1.0.0 installed',
  ])
  const blocked = harness(specs, { 'lib@3.2.0': new RunnerError('DOWNLOAD_FAILED', 'HTTP 503') })
  expect(lines(await install(rt, options(['lib@4', 'lib@3', 'app']), blocked.deps))).toEqual([
    'lib@4 → 4.0.0 installed', 'lib@3 → 3.2.0 failed DOWNLOAD_FAILED', 'app@latest → 1.0.0 failed DOWNLOAD_FAILED',
  ])
  // lib@4 named last would be the linked one, which app cannot use: refused before anything installs.
  const conflict = harness(specs)
  await expect(install(rt, options(['lib@3', 'lib@4', 'app']), conflict.deps)).rejects.toMatchObject({ code: 'DEPENDENCY_CONFLICT', where: 'lib' })
  expect(conflict.started).toEqual([])
})

test('the same version asked twice is planned once and reported per request; the later request finds it installed', async () => {
  const h = harness([{ id: 'app', versions: ['1.2.0', '1.1.0'] }])
  let listed = 0
  const listVersions = h.deps.loadFeature
  h.deps.loadFeature = async (ref) => {
    const f = await listVersions(ref)
    return { ...f, listVersions: async (ctx) => (listed++, f.listVersions(ctx)) } as Feature
  }
  const fakeInstall = h.deps.installFeature
  h.deps.installFeature = async (t, s) => {
    // As the real installer: a complete version is only linked again; a new one gets its marker.
    const marker = join(rt.toolCacheRoot, 'app', t.version.version, 'x64.complete')
    const out = await fakeInstall(t, s)
    if (await stat(marker).then(() => true, () => false)) return { ...out, status: 'already-installed' }
    await mkdir(join(rt.toolCacheRoot, 'app', t.version.version, 'x64'), { recursive: true })
    await writeFile(marker, '')
    return out
  }
  const starts: string[] = []
  const report = await install(rt, options(['app@1', 'app@1.2.0'], { onStart: (id, version) => void starts.push(`${id}@${version}`) }), h.deps)
  expect(lines(report)).toEqual(['app@1 → 1.2.0 installed', 'app@1.2.0 → 1.2.0 already-installed'])
  expect(listed).toBe(1)
  // Only the first request downloads; the second never says "installing".
  expect(starts).toEqual(['app@1.2.0'])
})
