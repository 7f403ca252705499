import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RunnerError, platformKey } from '@runner-features/core'
import { loadConfig, lockPathFor, readLockfile } from '@runner-features/core/config'
import { detectPlatform, packDirectory, unpackBundle } from '@runner-features/installer'
import { bundledPlugins, vendorPlugins, type BundledPlugin } from './bundle-plugins.js'
import { MIRROR_MANIFEST, buildMirror, type MirrorBuildOptions, type MirrorManifest } from './mirror-build.js'
import { loadProject } from './project.js'
import type { RunEnv } from './run-env.js'

/**
 * `runner features vendor -o bundle.tar`: the mirror directory of the locked set
 * ({@link buildMirror}) plus the npm tarball of every locked plugin that does not ship with the CLI
 * (`plugins/`, kind `plugin`), packed as one tar, its manifest at the root. Unlike `mirror build`
 * it holds no version index (nor a `frozenOnly` list): the bundle serves frozen installs only.
 */
export async function vendorBundle(rt: RunEnv, o: Omit<MirrorBuildOptions, 'dir'> & { out: string; registry: string }): Promise<MirrorManifest> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-vendor-'))
  try {
    // Plugin tarballs first: small, and a plugin that cannot be verified fails before any large download.
    // Without a usable lock there is nothing to fetch; buildMirror says why.
    const project = await loadProject(rt, o.cwd, o.config)
    const usable = project.lock && !project.lockDifferences.length
    const plugins = usable ? await vendorPlugins(project, project.lock!, dir, { registry: o.registry, logger: o.logger }) : []
    // No version indexes: `install --from` is always frozen and never reads one.
    const built = await buildMirror(rt, { ...o, dir, indexes: false })
    const manifest: MirrorManifest = { ...built, files: [...built.files, ...plugins].sort((a, b) => a.path.localeCompare(b.path)) }
    await writeFile(join(dir, MIRROR_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
    await packDirectory(dir, o.out)
    return manifest
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** An unpacked, checked bundle: install with these rewrites, offline and frozen; then `cleanup`. */
export interface OpenedBundle {
  manifest: MirrorManifest
  /** `RUNNER_FEATURES_MIRRORS` rules sending each upstream host in the bundle to its unpacked directory. */
  rewrites: string
  /** Third-party plugin tarballs, verified against the lock's integrity: install those missing first. */
  plugins: BundledPlugin[]
  cleanup(): Promise<void>
}

/**
 * For `install --from <bundle>`: unpacks the bundle to a temp dir and checks, before anything is
 * installed, that every file matches the manifest (BUNDLE_INVALID), that it was made from this
 * project's lock, and that it holds this machine's platform (BUNDLE_MISMATCH), and hashes every
 * plugin tarball against the lock's npm integrity (PLUGIN_INTEGRITY_MISMATCH). The install itself
 * then runs as a normal `--frozen --offline` install against the unpacked files, so every checksum
 * and signature is verified exactly as online.
 */
export async function openBundle(rt: RunEnv, o: { cwd: string; config?: string; bundle: string }): Promise<OpenedBundle> {
  // Config and lock only: the features' plugins may be in the bundle, not installed yet.
  const config = await loadConfig(o.cwd, o.config)
  const lockFile = lockPathFor(config.file)
  const lock = await readLockfile(lockFile)
  if (!lock) {
    throw new RunnerError('LOCKFILE_MISSING', `no lock next to ${config.display}`, { where: lockFile, hint: 'install --from installs exactly the locked set: commit runner-features.lock with the config' })
  }
  const dir = await mkdtemp(join(tmpdir(), 'rf-bundle-'))
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    await unpackBundle(o.bundle, dir)
    const manifest = await readFile(join(dir, MIRROR_MANIFEST), 'utf8').then((t) => JSON.parse(t) as MirrorManifest, (err: unknown) => {
      throw new RunnerError('BUNDLE_INVALID', `no readable ${MIRROR_MANIFEST} in the bundle`, { where: o.bundle, hint: 'make the bundle with `runner features vendor -o <file>`', cause: err })
    })
    if (manifest.format !== 1 || !Array.isArray(manifest.files) || !Array.isArray(manifest.platforms)) {
      throw new RunnerError('BUNDLE_INVALID', `${MIRROR_MANIFEST} is not a format-1 manifest`, { where: o.bundle, hint: 'vendor it again with this version of runner-features' })
    }
    const lockSha = createHash('sha256').update(await readFile(lockFile)).digest('hex')
    if (manifest.lockSha256 !== lockSha) {
      throw new RunnerError('BUNDLE_MISMATCH', `the bundle was made from another runner-features.lock than ${lockFile}`, { where: o.bundle, hint: `it holds ${Object.entries(manifest.features).map(([id, v]) => `${id}@${v}`).join(', ')}; vendor again from this lock` })
    }
    const platform = platformKey(await detectPlatform(rt.env))
    if (!(manifest.platforms as string[]).includes(platform)) {
      throw new RunnerError('BUNDLE_MISMATCH', `the bundle has no ${platform} files (it holds ${manifest.platforms.join(', ') || 'none'})`, { where: o.bundle, hint: `vendor with --platform ${[...manifest.platforms, platform].join(',')}` })
    }
    for (const file of manifest.files) {
      const bytes = await readFile(join(dir, ...file.path.split('/').filter((p) => p && p !== '..'))).catch(() => undefined)
      if (!bytes || createHash('sha256').update(bytes).digest('hex') !== file.sha256) {
        throw new RunnerError('BUNDLE_INVALID', `${file.path} is ${bytes ? 'not the file the manifest lists' : 'missing'}`, { where: o.bundle, hint: 'the bundle was damaged or changed in transit; copy it again' })
      }
    }
    const plugins = await bundledPlugins(dir, manifest, lock, lockFile, o.bundle)
    const hosts = [...new Set(manifest.files.filter((f) => f.kind !== 'plugin').map((f) => f.path.split('/')[0]!))]
    const rewrites = hosts.map((h) => `https://${h}/=${pathToFileURL(join(dir, h)).href}/`).join(',')
    return { manifest, rewrites, plugins, cleanup }
  } catch (err) {
    await cleanup()
    throw err
  }
}
