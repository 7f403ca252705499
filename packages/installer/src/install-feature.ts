import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm, writeFile, rmdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  RunnerError, archiveLimits, artifactsFor, isSystemInstall, platformKey, readState, updateState, withFileLock, withRecord,
  type ArchiveLimits, type Artifact, type Feature, type FeatureContext, type InstalledRecord, type Platform, type PluginRef, type RemoteVersion,
} from '@runner-features/core'
import { makeBinsExecutable } from './bin-modes.js'
import { fetchAllVerified, type FetchAllResult } from './fetch-all.js'
import type { Progress } from './fetch-verified.js'
import { createInstallLinks } from './install-links.js'
import { installSystemFeature } from './install-system.js'
import type { FeatureHttp } from './http.js'
import { assertLinkable, exists, exportToJob, isComplete, linkBins, toolCacheEntry, unlinkBins } from './toolcache.js'

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
 * The one install flow every feature goes through (mise's shape): lock → clean leftovers →
 * stage → fetch+verify+extract → smoke test → atomic rename → marker → link → record. Nothing is
 * visible in the tool cache or bin dir until the rename; any failure removes the staging dir.
 * A process killed mid-way leaves a stale lock and a `.staging-*` dir, both cleaned by the next run.
 */
export async function installFeature(target: InstallTarget, settings: InstallSettings): Promise<InstallOutcome> {
  // Features made of distro packages take the package-manager flow (install-system.ts).
  if (isSystemInstall(target.feature, target.version)) return installSystemFeature(target, settings)
  const { feature, version, platform } = target
  const entry = toolCacheEntry(settings.toolCacheRoot, feature.toolName, version.version, platform.arch)
  if (await isComplete(entry)) return finish(target, settings, entry.installDir, 'already-installed')

  if (settings.link !== false) await assertLinkable(feature.bins, settings.binDir, settings.toolCacheRoot)
  await mkdir(entry.versionDir, { recursive: true })
  return withFileLock(entry.lock, async () => {
    // Another process may have finished it while we waited for the lock.
    if (await isComplete(entry)) return finish(target, settings, entry.installDir, 'already-installed')
    await removeLeftovers(entry.versionDir, platform.arch, entry.installDir)

    const artifacts = target.artifacts ?? (await artifactsFor(feature, version, platform, target.ctx))
    const staging = join(entry.versionDir, `.staging-${platform.arch}-${process.pid}-${randomBytes(3).toString('hex')}`)
    await mkdir(staging)
    try {
      const fetched = await fetchAllVerified(artifacts, {
        http: target.http, cacheDir: settings.cacheDir, dest: staging, onProgress: settings.onProgress,
        limits: settings.limits ?? archiveLimits(settings.env), logger: target.ctx.logger,
      })
      await makeBinsExecutable(staging, feature.bins)
      if (feature.links) await createInstallLinks(staging, feature.links(version.version, platform), `${feature.id}@${version.version}`)
      await smokeTest(feature, version.version, staging, target.ctx)
      await rename(staging, entry.installDir)
      await runPostInstall(feature, version.version, entry.installDir, target.ctx)
      await writeFile(entry.marker, '')
      // Only now are the indexes and checksum files this install used known good enough to cache.
      await target.http.commitIndexCache()
      return await finish(target, settings, entry.installDir, 'installed', fetched)
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  }, { what: `${feature.id}@${version.version} (${platformKey(platform)})`, onWait: () => settings.onWait?.(`${feature.id}@${version.version}`) })
}

/** Removes what an interrupted install left: staging dirs and an install dir without a marker. */
async function removeLeftovers(versionDir: string, arch: string, installDir: string): Promise<void> {
  const names = await readdir(versionDir).catch(() => [] as string[])
  await Promise.all(names.filter((n) => n.startsWith(`.staging-${arch}-`)).map((n) => rm(join(versionDir, n), { recursive: true, force: true })))
  if (await exists(installDir)) await rm(installDir, { recursive: true, force: true })
}

/** Runs the feature's post-install steps in the final dir; on failure removes it (no marker was written). */
async function runPostInstall(feature: Feature, version: string, dir: string, ctx: FeatureContext): Promise<void> {
  for (const step of feature.postInstall?.(dir, version, ctx.options ?? {}) ?? []) {
    const [cmd, ...args] = step.command
    if (!cmd) continue
    ctx.logger.info(`${feature.id}@${version}: ${step.description}`)
    const result = await ctx.exec(join(dir, cmd), args, { cwd: dir }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }))
    if (result.exitCode === 0) continue
    await rm(dir, { recursive: true, force: true })
    throw new RunnerError('POST_INSTALL_FAILED', `${step.description} exited ${result.exitCode}: ${`${result.stdout}\n${result.stderr}`.trim().slice(-600)}`, {
      where: `${feature.id}@${version}`,
      hint: 'nothing was installed; fix the step\'s input (e.g. the package names in the team config) and run the install again',
    })
  }
}

async function smokeTest(feature: Feature, version: string, dir: string, ctx: FeatureContext): Promise<void> {
  const [cmd, ...args] = feature.smokeTest.command
  if (!cmd) return
  const expected = feature.smokeTest.expect.replaceAll('{{version}}', version).replaceAll('{{major.minor}}', version.split('.').slice(0, 2).join('.'))
  const file = join(dir, cmd)
  if (!(await exists(file))) {
    throw new RunnerError('SMOKE_TEST_FAILED', `${cmd} is missing from the extracted archive`, { where: `${feature.id}@${version}`, hint: 'the archive layout does not match the plugin (strip or bins); report it to the plugin author' })
  }
  const result = await ctx.exec(file, args, { cwd: dir }).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }))
  const output = `${result.stdout}\n${result.stderr}`
  if (result.exitCode !== 0 || !output.includes(expected)) {
    throw new RunnerError('SMOKE_TEST_FAILED', `\`${feature.smokeTest.command.join(' ')}\` exited ${result.exitCode} without printing "${expected}": ${output.trim().slice(0, 300)}`, {
      where: `${feature.id}@${version}`,
      hint: 'the binary does not run on this platform or is not the version asked for; nothing was installed',
    })
  }
}

async function finish(target: InstallTarget, settings: InstallSettings, installDir: string, status: InstallOutcome['status'], fresh?: FetchAllResult): Promise<InstallOutcome> {
  const { feature, version, platform, plugin } = target
  const links = settings.link === false ? [] : await linkBins(installDir, feature.bins, settings.binDir, settings.toolCacheRoot)
  const primary = feature.bins[0]
  await exportToJob(settings.env, primary ? [dirname(join(installDir, primary))] : [], feature.env?.(installDir, version.version, target.ctx.options ?? {}) ?? {})
  if (!fresh) {
    // A no-op re-install must stay cheap: skip the locked state write when nothing changed.
    const previous = (await readState(settings.stateFile)).installs.find((r) => r.id === feature.id && r.version === version.version && r.arch === platform.arch)
    if (previous && links.every((l) => previous.links.includes(l))) return { status, record: previous }
  }
  let record: InstalledRecord | undefined
  await updateState(settings.stateFile, (state) => {
    const previous = state.installs.find((r) => r.id === feature.id && r.version === version.version && r.arch === platform.arch)
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
      links: [...new Set([...links, ...(previous?.links ?? [])])],
      installedAt: fresh || !previous ? new Date().toISOString() : previous.installedAt,
    }
    return withRecord(state, record)
  })
  return { status, record: record!, fromCache: fresh?.fromCache, files: fresh?.files }
}

/** Removes one installed version: links first, then marker (so tool-cache stops seeing it), then files. */
export async function uninstallVersion(record: InstalledRecord, settings: Pick<InstallSettings, 'toolCacheRoot' | 'stateFile'>): Promise<void> {
  const entry = toolCacheEntry(settings.toolCacheRoot, record.toolName, record.version, record.arch)
  await unlinkBins(record.links, entry.installDir)
  await rm(entry.marker, { force: true })
  await rm(entry.installDir, { recursive: true, force: true })
  await rmdir(entry.versionDir).catch(() => undefined)
  await updateState(settings.stateFile, (state) => ({ ...state, installs: state.installs.filter((r) => !(r.id === record.id && r.version === record.version && r.arch === record.arch)) }))
}
