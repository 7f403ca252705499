import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, rmdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  RunnerError, archiveLimits, artifactsFor, binsFor, smokeTestFor, fsError, isSystemInstall, platformKey, readState, sameInstall, updateState, withFileLock, withRecord,
  type ArchiveLimits, type Artifact, type Feature, type FeatureContext, type Os, type InstalledRecord, type LockOptions, type Platform, type PluginRef, type RemoteVersion,
} from '@runner-features/core'
import { makeBinsExecutable } from './bin-modes.js'
import { fetchAllVerified, type FetchAllResult } from './fetch-all.js'
import type { Progress } from './fetch-verified.js'
import { createInstallLinks } from './install-links.js'
import { installSystemFeature } from './install-system.js'
import type { FeatureHttp } from './http.js'
import { preflight } from './preflight.js'
import { removeLeftovers, sweepTool } from './sweep.js'
import { addToStore, linkFromStore } from './store.js'
import { assertLinkable, exists, exportToJob, isComplete, linkBins, plannedLinks, toolCacheEntry, unlinkBins, type ToolCacheEntry } from './toolcache.js'

/** Everything an install needs besides the feature itself; built once per CLI run. */
export interface InstallSettings {
  toolCacheRoot: string
  binDir: string
  cacheDir: string
  stateFile: string
  env: Record<string, string | undefined>
  /** Skip linking into the bin dir (`--no-link`). */
  link?: boolean
  onProgress?: (p: Progress) => void
  onWait?: (what: string) => void
  /** Per-archive limits, `archiveLimits(env, teamConfig.limits)`; default: from `env` alone. */
  limits?: ArchiveLimits
  /** Lease timings of the install and state locks (defaults: 30 s TTL; tests shorten them). */
  lock?: Pick<LockOptions, 'ttlMs' | 'graceMs' | 'heartbeatMs'>
}

export interface InstallTarget {
  feature: Feature
  plugin: PluginRef
  version: RemoteVersion
  platform: Platform
  ctx: FeatureContext
  http: FeatureHttp
  /** When set (e.g. from a lockfile), used instead of asking the plugin: every artifact, in extraction order. */
  artifacts?: Artifact[]
}

export interface InstallOutcome {
  status: 'installed' | 'already-installed'
  record: InstalledRecord
  fromCache?: boolean
  files?: number
}

/**
 * The one install flow every feature goes through (mise's shape): preflight → sweep → lease →
 * stage → fetch+verify+extract → smoke test → atomic rename → post-install → state record →
 * marker → bin links. Nothing is visible in the tool cache or bin dir until the rename, and the
 * `<arch>.complete` marker (what setup-* trusts) is only written once the state manifest records
 * the install, so `list`/`uninstall` always know what setup-* can find. A failure after the rename
 * (post-install, state, marker, links, job files) rolls the install back completely: marker, links,
 * record, dir. Any failure removes the staging dir and, when it ends up empty, the version dir.
 * A process killed at any phase leaves an expired lease and leftovers that the next run sweeps.
 */
export async function installFeature(target: InstallTarget, settings: InstallSettings): Promise<InstallOutcome> {
  // Features made of distro packages take the package-manager flow (install-system.ts).
  if (isSystemInstall(target.feature, target.version)) return installSystemFeature(target, settings)
  const { feature, version, platform } = target
  const entry = toolCacheEntry(settings.toolCacheRoot, feature.toolName, version.version, platform.arch)
  if (await isComplete(entry)) return finish(target, settings, entry.installDir, 'already-installed')

  await preflight(settings)
  if (settings.link !== false) await assertLinkable(binsFor(feature, platform.os), settings.binDir, settings.toolCacheRoot, feature.toolName)
  await sweepOnce(settings, feature.toolName)
  const where = `${feature.id}@${version.version}`
  try {
    await mkdir(entry.versionDir, { recursive: true })
    return await withFileLock(entry.lock, async (lease) => {
      // Another process may have finished it while we waited for the lock.
      if (await isComplete(entry)) return finish(target, settings, entry.installDir, 'already-installed')
      await removeLeftovers(entry, platform.arch, settings.stateFile)

      const artifacts = target.artifacts ?? (await artifactsFor(feature, version, platform, target.ctx))
      const staging = join(entry.versionDir, `.staging-${platform.arch}-${process.pid}-${randomBytes(3).toString('hex')}`)
      let fetched: FetchAllResult
      try {
        await mkdir(staging)
        // A tree this machine already extracted and verified is linked from the store (store.ts).
        const stored = { artifacts, bins: binsFor(feature, platform.os), links: feature.links?.(version.version, platform) ?? [] }
        const linked = linkFromStore(settings.cacheDir, stored, staging, target.ctx.logger)
        fetched = linked ?? await fetchAllVerified(artifacts, {
          http: target.http, cacheDir: settings.cacheDir, dest: staging, onProgress: settings.onProgress,
          limits: settings.limits ?? archiveLimits(settings.env), logger: target.ctx.logger,
        })
        if (!linked) {
          await makeBinsExecutable(staging, binsFor(feature, platform.os))
          if (feature.links) await createInstallLinks(staging, stored.links, where)
        }
        await smokeTest(feature, version.version, staging, target.ctx, platform.os)
        if (!linked) addToStore(settings.cacheDir, stored, staging, fetched)
        // Never commit over a neighbour that took the lease over while we stalled.
        await lease.assertHeld()
        await rename(staging, entry.installDir)
      } finally {
        await rm(staging, { recursive: true, force: true })
      }
      return await commit(target, settings, entry, fetched)
    }, { what: `${where} (${platformKey(platform)})`, kind: 'tool cache', onWait: () => settings.onWait?.(where), ...settings.lock })
  } catch (err) {
    // A failed install must not leave `<tool>/<version>/` behind (rmdir only removes empty dirs,
    // so a neighbour's lock, staging dir or finished install keeps it).
    if (await rmdir(entry.versionDir).then(() => true, () => false)) await rmdir(dirname(entry.versionDir)).catch(() => undefined)
    // Cached index data may be what failed: drop it (and say so) so the re-run asks the mirror.
    throw await target.http.withIndexCacheHint(fsError(err, { action: `installing ${where}`, kind: 'tool cache' }))
  }
}

/** The per-tool sweep runs once per process and tool; a sweep that fails never fails the install. */
const swept = new Map<string, Promise<unknown>>()
function sweepOnce(settings: InstallSettings, tool: string): Promise<unknown> {
  const key = `${settings.toolCacheRoot}\0${tool}`
  let sweep = swept.get(key)
  if (!sweep) {
    sweep = sweepTool(settings.toolCacheRoot, tool, { stateFile: settings.stateFile, lock: settings.lock }).catch(() => undefined)
    swept.set(key, sweep)
  }
  return sweep
}

/**
 * After the rename: post-install steps, then the state record, then the marker, then the bin
 * links and job files. Any failure undoes every step done so far, newest first, so no marker is
 * ever left that the state does not record and no link points at a removed dir. (Rolling back
 * rather than keeping a recorded install without its links: the user asked for the bins on PATH,
 * and the re-run after the fault is fixed is cheap, from the download cache.)
 */
async function commit(target: InstallTarget, settings: InstallSettings, entry: ToolCacheEntry, fetched: FetchAllResult): Promise<InstallOutcome> {
  const { feature, version, platform } = target
  const done = { recorded: false, marked: false }
  let links: string[] = []
  try {
    await runPostInstall(feature, version.version, entry.installDir, target.ctx)
    links = settings.link === false ? [] : await plannedLinks(entry.installDir, binsFor(feature, platform.os), settings.binDir)
    const record = await writeRecord(target, settings, entry.installDir, links, fetched)
    done.recorded = true
    await writeMarker(entry.marker)
    done.marked = true
    if (settings.link !== false) await linkBins(entry.installDir, binsFor(feature, platform.os), settings.binDir, settings.toolCacheRoot)
    await exportInstall(target, settings, entry.installDir)
    // Only now are the indexes and checksum files this install used known good enough to cache.
    await target.http.commitIndexCache()
    return { status: 'installed', record, fromCache: fetched.fromCache, files: fetched.files }
  } catch (err) {
    await rollback(target, settings, entry, links, done)
    throw err
  }
}

/** Undoes a failed commit, newest step first; each step is best effort (the error being reported matters more). */
async function rollback(target: InstallTarget, settings: InstallSettings, entry: ToolCacheEntry, links: readonly string[], done: { recorded: boolean; marked: boolean }): Promise<void> {
  const quiet = (p: Promise<unknown>) => p.catch(() => undefined)
  if (done.marked) await quiet(rm(entry.marker, { force: true }))
  await quiet(unlinkBins(links, entry.installDir))
  if (done.recorded) {
    const key = { id: target.feature.id, version: target.version.version, arch: target.platform.arch }
    await quiet(updateState(settings.stateFile, (s) => ({ ...s, installs: s.installs.filter((r) => !sameInstall(r, key)) }), settings.lock))
  }
  await quiet(rm(entry.installDir, { recursive: true, force: true }))
}

async function writeMarker(marker: string): Promise<void> {
  try {
    await (await open(marker, 'w')).close()
  } catch (err) {
    throw fsError(err, { action: 'writing the install marker', path: marker, kind: 'tool cache' })
  }
}

/** Appends the install's PATH entry and env vars to the job files (`GITHUB_PATH`/`GITHUB_ENV`). */
async function exportInstall(target: InstallTarget, settings: InstallSettings, installDir: string): Promise<void> {
  const { feature, version, platform } = target
  const primary = binsFor(feature, platform.os)[0]
  await exportToJob(settings.env, primary ? [dirname(join(installDir, primary))] : [], feature.env?.(installDir, version.version, target.ctx.options ?? {}) ?? {})
}

/** Runs the feature's post-install steps in the final dir; on failure the caller rolls the install back (no marker yet). */
async function runPostInstall(feature: Feature, version: string, dir: string, ctx: FeatureContext): Promise<void> {
  for (const step of feature.postInstall?.(dir, version, ctx.options ?? {}) ?? []) {
    const [cmd, ...args] = step.command
    if (!cmd) continue
    ctx.logger.info(`${feature.id}@${version}: ${step.description}`)
    const result = await ctx.exec(join(dir, cmd), args, { cwd: dir }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }))
    if (result.exitCode === 0) continue
    throw new RunnerError('POST_INSTALL_FAILED', `${step.description} exited ${result.exitCode}: ${`${result.stdout}\n${result.stderr}`.trim().slice(-600)}`, {
      where: `${feature.id}@${version}`,
      hint: 'nothing was installed; fix the step\'s input (e.g. the package names in the team config) and run the install again',
    })
  }
}

/** `os`: a feature with per-OS bins runs its smoke test with that OS's bin (see smokeTestFor). */
async function smokeTest(feature: Feature, version: string, dir: string, ctx: FeatureContext, os: Os): Promise<void> {
  const test = smokeTestFor(feature, os)
  const [cmd, ...args] = test.command
  if (!cmd) return
  const expected = expandSmokeExpect(test.expect, version)
  const file = join(dir, cmd)
  if (!(await exists(file))) {
    throw new RunnerError('SMOKE_TEST_FAILED', `${cmd} is missing from the extracted archive`, { where: `${feature.id}@${version}`, hint: 'the archive layout does not match the plugin (strip or bins); report it to the plugin author' })
  }
  const result = await ctx.exec(file, args, { cwd: dir }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }))
  const output = `${result.stdout}\n${result.stderr}`
  if (result.exitCode !== 0 || !output.includes(expected)) {
    throw new RunnerError('SMOKE_TEST_FAILED', `\`${test.command.join(' ')}\` exited ${result.exitCode} without printing "${expected}": ${output.trim().slice(0, 300)}`, {
      where: `${feature.id}@${version}`,
      hint: 'the binary does not run on this platform or is not the version asked for; nothing was installed',
    })
  }
}

/** An install that is already complete: (re)link its bins, export it to the job, record what changed. */
async function finish(target: InstallTarget, settings: InstallSettings, installDir: string, status: InstallOutcome['status']): Promise<InstallOutcome> {
  const { feature, version, platform } = target
  const links = settings.link === false ? [] : await linkBins(installDir, binsFor(feature, platform.os), settings.binDir, settings.toolCacheRoot)
  await exportInstall(target, settings, installDir)
  // A no-op re-install must stay cheap: skip the locked state write when nothing changed.
  const previous = (await readState(settings.stateFile)).installs.find((r) => sameInstall(r, { id: feature.id, version: version.version, arch: platform.arch }))
  if (previous && links.every((l) => previous.links.includes(l))) return { status, record: previous }
  return { status, record: await writeRecord(target, settings, installDir, links) }
}

/** Writes (or refreshes) the install's state record: `fresh` for a new install, absent when re-recording one. */
async function writeRecord(target: InstallTarget, settings: InstallSettings, installDir: string, links: readonly string[], fresh?: FetchAllResult): Promise<InstalledRecord> {
  const { feature, version, platform, plugin } = target
  let record: InstalledRecord | undefined
  await updateState(settings.stateFile, (state) => {
    const previous = state.installs.find((r) => sameInstall(r, { id: feature.id, version: version.version, arch: platform.arch }))
    record = {
      id: feature.id,
      toolName: feature.toolName,
      version: version.version,
      arch: platform.arch,
      path: installDir,
      sourceUrl: fresh?.artifacts[0]?.url ?? previous?.sourceUrl ?? '',
      sha256: fresh?.artifacts[0]?.sha256 ?? previous?.sha256 ?? '',
      size: fresh?.size ?? previous?.size ?? 0,
      ...(fresh ? { artifacts: fresh.artifacts } : previous?.artifacts ? { artifacts: previous.artifacts } : {}),
      plugin: fresh || !previous ? { name: plugin.name, version: plugin.version } : previous.plugin,
      links: fresh ? [...links] : [...new Set([...links, ...(previous?.links ?? [])])],
      installedAt: fresh || !previous ? new Date().toISOString() : previous.installedAt,
    }
    return withRecord(state, record)
  }, settings.lock)
  return record!
}

/** Removes one installed version: links first, then marker (so tool-cache stops seeing it), then files. */
export async function uninstallVersion(record: InstalledRecord, settings: Pick<InstallSettings, 'toolCacheRoot' | 'stateFile'>): Promise<void> {
  const entry = toolCacheEntry(settings.toolCacheRoot, record.toolName, record.version, record.arch)
  await unlinkBins(record.links, entry.installDir)
  await rm(entry.marker, { force: true })
  await rm(entry.installDir, { recursive: true, force: true })
  // The version dir, then the tool dir, when this was the last install in them.
  if (await rmdir(entry.versionDir).then(() => true, () => false)) await rmdir(dirname(entry.versionDir)).catch(() => undefined)
  await updateState(settings.stateFile, (state) => ({ ...state, installs: state.installs.filter((r) => !sameInstall(r, record)) }))
}

/**
 * Fills a smoke test's `expect`: `{{version}}`, `{{major.minor}}`, and each of `{{major}}`,
 * `{{minor}}`, `{{patch}}` for tools whose printed version is not the semver one (Chrome for
 * Testing prints `138.0.7204.92` for the semver `138.7204.92`: `{{major}}.0.{{minor}}.{{patch}}`).
 */
export function expandSmokeExpect(expect: string, version: string): string {
  const [major = '', minor = '', patch = ''] = version.split(/[.+-]/)
  return expect.replaceAll('{{version}}', version).replaceAll('{{major.minor}}', version.split('.').slice(0, 2).join('.'))
    .replaceAll('{{major}}', major).replaceAll('{{minor}}', minor).replaceAll('{{patch}}', patch)
}
