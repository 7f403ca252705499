// Fleet-safety of the install flow (issue 10): preflight on unwritable dirs, the honest order
// (no `.complete` marker the state does not record), rollback, and the sweep of what killed or
// failed installs left. Real temp dirs; root-only cases (tmpfs, dropped uid) say why they skip.
import { createHash } from 'node:crypto'
import { readlinkSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { readState, updateState, withFileLock, withRecord, type Feature, type InstalledRecord, type Platform, type PluginRef } from '@runner-features/core'
import { createFeatureContext, installFeature, preflight, sweepTool } from '@runner-features/installer'
import { NOBODY, asUnprivileged, isRoot, mountTmpfs, remount, tmpfsSkipReason } from '../../core/src/testing/fs-faults.js'

// The tool prints its version; with `post <what> <path>` it plays a post-install step that breaks
// the next phase: `bin` puts a directory where the bin link goes, `chmod` makes a dir read-only
// (after the preflight passed), anything else corrupts the manifest.
const SCRIPT = '#!/bin/sh\nif [ "$1" = post ]; then\n  case "$2" in bin) mkdir -p "$3" ;; chmod) chmod 555 "$3" ;; *) echo garbage > "$3" ;; esac\n  exit 0\nfi\necho "tool 1.0.0"\n'
const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const platform: Platform = { os: 'linux', arch: 'x64', libc: 'glibc', distro: { id: 'debian', versionId: '12', idLike: [], family: 'debian' } }
const logger = { info() {}, warn() {}, debug() {} }
const lock = { ttlMs: 2_000, graceMs: 500, heartbeatMs: 100 }

let upstream: string
let server: MirrorServer
let work: string
beforeAll(async () => {
  upstream = await mkdtemp(join(tmpdir(), 'rf-up-'))
  // The in-process mirror also serves while the test runs as the unprivileged user.
  await chmod(upstream, 0o755)
  await mkdir(join(upstream, '1.0.0'))
  await writeFile(join(upstream, '1.0.0', 'tool'), SCRIPT)
  server = await startMirrorServer(upstream)
})
afterAll(async () => {
  await server.close()
  await rm(upstream, { recursive: true, force: true })
})
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'rf-faults-'))
  // Reachable by the unprivileged user of the permission tests.
  await chmod(work, 0o777)
})
afterEach(async () => {
  server.resetRequests()
  await rm(work, { recursive: true, force: true })
})

function feature(over: Partial<Feature> = {}): Feature {
  return {
    id: 'tool', description: 'test tool', toolName: 'tool', defaultVersion: 'latest', upstream: 'https://tool.example/',
    platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }], bins: ['tool'],
    smokeTest: { command: ['tool'], expect: 'tool {{version}}' },
    listVersions: async () => [{ version: '1.0.0' }],
    artifact: async (v) => ({ url: `https://tool.example/${v.version}/tool`, sha256: sha(SCRIPT), checksumSource: 'test', archive: 'file', fileName: 'tool', strip: 0 }),
    ...over,
  }
}

/** An installer of `f` into this test's dirs (every call shares them, like two runs on one machine). */
function setup(f: Feature = feature()) {
  const settings = { toolCacheRoot: join(work, 'tc'), binDir: join(work, 'bin'), cacheDir: join(work, 'cache'), stateFile: join(work, 'state', 'state.json'), env: {}, lock }
  const plugin: PluginRef = { name: '@test/tool', version: '1.0.0', dir: '/nowhere', origin: 'user', manifest: f }
  const run = () => {
    const { ctx, http } = createFeatureContext(f, { platform, mirror: server.url, logger, signal: new AbortController().signal, cacheDir: settings.cacheDir, indexTtlMs: 0 })
    return installFeature({ feature: f, plugin, version: { version: '1.0.0' }, platform, ctx, http }, settings)
  }
  const versionDir = join(settings.toolCacheRoot, 'tool', '1.0.0')
  return { run, settings, versionDir, marker: join(versionDir, 'x64.complete') }
}

/** Everything under the tool cache apart from the (empty) state-less top level: what a user would find. */
async function toolCacheContents(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true }).catch(() => [] as string[])).sort()
}

describe('honest order: a failure after the rename rolls the install back completely', () => {
  test('bin link fails after the state record and marker: coded error, no marker, no record, no dir; the re-run succeeds', async () => {
    const obstacle = join(work, 'bin', 'tool')
    const bad = setup(feature({ postInstall: () => [{ description: 'block the bin link', command: ['tool', 'post', 'bin', obstacle] }] }))
    await expect(bad.run()).rejects.toMatchObject({ code: 'BIN_CONFLICT', where: obstacle })
    expect(await toolCacheContents(bad.settings.toolCacheRoot)).toEqual([])
    expect((await readState(bad.settings.stateFile)).installs).toEqual([])
    // The fault is gone: same command, nothing to clean by hand.
    await rm(obstacle, { recursive: true })
    const ok = setup()
    expect((await ok.run()).status).toBe('installed')
    expect(await readdir(ok.versionDir)).toEqual(['x64', 'x64.complete'])
  })

  test('the state write fails after post-install: no marker is left that list/uninstall would not know', async () => {
    const stateFile = join(work, 'state', 'state.json')
    const { run, settings } = setup(feature({ postInstall: () => [{ description: 'corrupt the state', command: ['tool', 'post', 'state', stateFile] }] }))
    await expect(run()).rejects.toMatchObject({ code: 'STATE_CORRUPT' })
    expect(await toolCacheContents(settings.toolCacheRoot)).toEqual([])
    expect(await readdir(settings.binDir)).toEqual([])
    // Fixed (the manifest moved aside): the same command installs.
    await rm(settings.stateFile)
    const again = setup()
    expect((await again.run()).status).toBe('installed')
    expect(await readdir(again.versionDir)).toEqual(['x64', 'x64.complete'])
    expect((await readState(again.settings.stateFile)).installs.map((r) => r.path)).toEqual([join(again.versionDir, 'x64')])
  })
})

describe('honest order with dirs that turn unwritable after the preflight (as an unprivileged user)', () => {
  test.each([
    ['bin dir', 'bin', 'RUNNER_FEATURES_BIN_DIR'],
    ['state dir', 'state', 'RUNNER_FEATURES_STATE_DIR'],
  ])('the %s: PERMISSION_DENIED, and no marker, record, link or dir is left', async (_kind, sub, setting) => {
    const dir = join(work, sub)
    const { run, settings } = setup(feature({ postInstall: () => [{ description: `lock the ${sub} dir`, command: ['tool', 'post', 'chmod', dir] }] }))
    const err = await asUnprivileged(() => run().catch((e: unknown) => e))
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED', hint: expect.stringContaining(setting) })
    expect(await toolCacheContents(settings.toolCacheRoot)).toEqual([])
    expect(await readdir(settings.binDir)).toEqual([])
    expect((await readState(settings.stateFile)).installs).toEqual([])
    // Fixed: the same command installs.
    await chmod(dir, 0o777)
    expect((await asUnprivileged(() => setup().run())).status).toBe('installed')
  })
})

describe('leftovers of killed installs are swept by the next run', () => {
  const record = (version: string, path: string): InstalledRecord => ({
    id: 'tool', toolName: 'tool', version, arch: 'x64', path, sourceUrl: 'https://tool.example/x', sha256: 'a'.repeat(64), size: 1,
    plugin: { name: '@test/tool', version: '1.0.0' }, links: [], installedAt: '2026-01-01T00:00:00Z',
  })

  test('staging dirs, an install dir without marker (and its record), dead locks and empty version dirs go; a live neighbour is left alone', async () => {
    const { run, settings, versionDir } = setup()
    const tool = join(settings.toolCacheRoot, 'tool')
    // 1.0.0: killed during extraction (dead pid on this host), after a previous attempt's rename.
    await mkdir(join(versionDir, '.staging-x64-999999-abcdef', 'bin'), { recursive: true })
    await mkdir(join(versionDir, 'x64'))
    await writeFile(join(versionDir, 'x64.lock'), JSON.stringify({ pid: 999999, host: hostname(), ns: readlinkSync('/proc/self/ns/pid'), token: 'deadbeefdeadbeef', since: '2026-01-01T00:00:00Z', heartbeat: '2026-01-01T00:00:00Z' }))
    // 0.8.0: killed between the state record and the marker.
    await mkdir(join(tool, '0.8.0', 'x64'), { recursive: true })
    await updateState(settings.stateFile, (s) => withRecord(s, record('0.8.0', join(tool, '0.8.0', 'x64'))))
    // 0.7.0: an empty version dir of an old failed install; 0.6.0: an empty lock from a full disk.
    await mkdir(join(tool, '0.7.0'))
    await mkdir(join(tool, '0.6.0'))
    await writeFile(join(tool, '0.6.0', 'arm64.lock'), '')
    const old = new Date(Date.now() - 60_000)
    await utimes(join(tool, '0.6.0', 'arm64.lock'), old, old)
    // 0.5.0: a takeover guard of a process killed mid-takeover.
    await mkdir(join(tool, '0.5.0'))
    await writeFile(join(tool, '0.5.0', 'x64.lock.break'), '')
    // 0.9.0: a neighbour on another host is installing it right now (fresh lease, staging in progress).
    await mkdir(join(tool, '0.9.0', '.staging-x64-4242-0a0b0c'), { recursive: true })
    await writeFile(join(tool, '0.9.0', 'x64.lock'), JSON.stringify({ pid: 4242, host: 'other-pod', token: 'a1b2c3d4e5f6a7b8', since: new Date().toISOString(), heartbeat: new Date().toISOString() }))

    expect((await run()).status).toBe('installed')
    expect((await readdir(tool)).sort()).toEqual(['0.9.0', '1.0.0'])
    expect(await readdir(versionDir)).toEqual(['x64', 'x64.complete'])
    expect((await readdir(join(tool, '0.9.0'))).sort()).toEqual(['.staging-x64-4242-0a0b0c', 'x64.lock'])
    expect((await readState(settings.stateFile)).installs.map((r) => r.version)).toEqual(['1.0.0'])
  })

  test('the sweep skips an arch whose lease is held in this very moment', async () => {
    const { settings } = setup()
    const dir = join(settings.toolCacheRoot, 'tool', '2.0.0')
    await mkdir(join(dir, '.staging-x64-1-abcdef'), { recursive: true })
    await withFileLock(join(dir, 'x64.lock'), async () => {
      expect((await sweepTool(settings.toolCacheRoot, 'tool', { lock })).removed).toEqual([])
    }, lock)
    expect((await sweepTool(settings.toolCacheRoot, 'tool', { lock })).removed).toEqual([join(dir, '.staging-x64-1-abcdef'), dir, join(settings.toolCacheRoot, 'tool')])
  })
})

describe('preflight: unwritable dirs fail before any download', () => {
  test.each([
    ['tool cache', 'toolCacheRoot', 'RUNNER_TOOL_CACHE'],
    ['bin dir', 'binDir', 'RUNNER_FEATURES_BIN_DIR'],
    ['state dir', 'stateFile', 'RUNNER_FEATURES_STATE_DIR'],
    ['download cache', 'cacheDir', 'RUNNER_FEATURES_CACHE_DIR'],
  ] as const)('a %s the user may not write: PERMISSION_DENIED naming it, the user and the setting; no request made', async (_kind, key, setting) => {
    const { run, settings } = setup()
    const dir = key === 'stateFile' ? join(work, 'state') : settings[key]
    await mkdir(dir, { recursive: true })
    await chmod(dir, 0o555)
    const err = await asUnprivileged(() => run().catch((e: unknown) => e))
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED', where: dir, hint: expect.stringContaining(setting) })
    expect((err as Error).message).toContain(isRoot ? `uid ${NOBODY}` : `uid ${process.geteuid!()}`)
    expect(server.requests).toEqual([])
    await chmod(dir, 0o777)
  })

  test('--no-link does not need a writable bin dir', async () => {
    const { settings } = setup()
    await mkdir(settings.binDir)
    await chmod(settings.binDir, 0o555)
    await asUnprivileged(async () => {
      await expect(preflight({ ...settings, link: false })).resolves.toBeUndefined()
      await expect(preflight(settings)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', where: settings.binDir })
    })
  })

  describe.skipIf(tmpfsSkipReason() !== undefined)('on a read-only mount (root passes access() there)', () => {
    test('a read-only tool cache: PERMISSION_DENIED saying read-only, before any request; nothing changed', async () => {
      const { run, settings } = setup()
      const unmount = await mountTmpfs(settings.toolCacheRoot, 256)
      try {
        remount(settings.toolCacheRoot, 'ro')
        await expect(run()).rejects.toMatchObject({ code: 'PERMISSION_DENIED', where: settings.toolCacheRoot, message: expect.stringContaining('read-only'), hint: expect.stringContaining('RUNNER_TOOL_CACHE') })
        expect(server.requests).toEqual([])
        // Made writable again: the same command installs.
        remount(settings.toolCacheRoot, 'rw')
        expect((await run()).status).toBe('installed')
      } finally {
        await unmount()
      }
    })
  })
})

test('a failed install leaves neither its version dir nor an empty tool dir behind', async () => {
  const { run, settings } = setup(feature({ smokeTest: { command: ['tool'], expect: 'tool 9.9.9' } }))
  await expect(run()).rejects.toMatchObject({ code: 'SMOKE_TEST_FAILED' })
  expect(await toolCacheContents(settings.toolCacheRoot)).toEqual([])
})
