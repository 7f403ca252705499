import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, sep } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { RunnerError, isRunnerError, redactUrl, type Logger } from '@runner-features/core'
import { LOCK_PLATFORMS, type LockPlatform, type LockedArtifact } from '@runner-features/core/config'
import { cachedPath, checksumFileBytes } from '@runner-features/installer'
import { contextFor, loadProject, outdatedError, type NetOptions } from './project.js'
import type { RunEnv } from './run-env.js'
import { signatureRule } from './signatures.js'
import { staticMirrorPath, trimmedIndex } from './mirror-index.js'

/** The manifest a mirror directory (and a vendor bundle) carries at its root. */
export const MIRROR_MANIFEST = 'runner-features-mirror.json'

/** One file of a mirror: the canonical upstream URL and where it lies under the mirror root. */
export interface MirrorFile {
  url: string
  /** `<host>/<upstream path>`, `/`-separated. */
  path: string
  sha256: string
  size: number
  /** `plugin`: a third-party plugin's npm tarball, added by `vendor` under `plugins/` (not an upstream host). */
  kind: 'artifact' | 'checksums' | 'signature' | 'plugin' | 'index'
}

export interface MirrorManifest {
  format: 1
  /** sha256 of the runner-features.lock the mirror was built from: `install --from` checks it. */
  lockSha256: string
  platforms: LockPlatform[]
  features: Record<string, string>
  /**
   * Features whose version index is not in the mirror (their plugin cannot trim it, or the trimmed
   * index would not list the locked version): the mirror serves their `install --frozen` only.
   * Every other feature also resolves (`install nodejs@20`) against it, to its locked version.
   */
  frozenOnly?: string[]
  files: MirrorFile[]
}

export interface MirrorBuildOptions {
  cwd: string
  config?: string
  dir: string
  /** Platforms to include; default: every platform the lock has. */
  platforms?: readonly LockPlatform[]
  mirrors: ReadonlyMap<string, string>
  logger: Logger
  signal: AbortSignal
  /**
   * Also write each feature's trimmed version index (default true). `vendor` turns it off: its
   * bundle only ever serves `install --from`, which is frozen and never reads an index, so trimming
   * would only add files and a "frozen-only" warning for every plugin without a trimmer.
   */
  indexes?: boolean
}

/**
 * `runner features mirror build <dir>`: every file the locked set needs (artifacts, checksum files,
 * their signatures) written under `<dir>/<host>/<upstream path>`, i.e. each upstream's own layout,
 * so a static web server over `<dir>` is a mirror for the rewrite `https://<host>/=<server>/<host>/`
 * (and a directory mirror as is). Artifacts come from the download cache when it holds them, else
 * through the usual HTTP clients (mirrors, rewrites, offline apply) and are hashed against the lock.
 * Each feature's version index is written too, trimmed to the locked version (see mirror-index.ts),
 * so the mirror also answers version resolution; features that cannot are listed as `frozenOnly`.
 */
export async function buildMirror(rt: RunEnv, o: MirrorBuildOptions): Promise<MirrorManifest> {
  const project = await loadProject(rt, o.cwd, o.config)
  const lock = project.lock
  if (!lock) {
    throw new RunnerError('LOCKFILE_MISSING', `no lock next to ${project.config.display}`, { where: project.lockFile, hint: 'run `runner features lock` first: a mirror holds exactly the locked set' })
  }
  if (project.lockDifferences.length) throw outdatedError(project)
  const present = LOCK_PLATFORMS.filter((p) => Object.values(lock.features).some((f) => f.platforms[p]))
  const platforms = o.platforms?.length ? [...o.platforms] : present
  const net: NetOptions = { mirrors: o.mirrors, env: rt.env, cacheDir: rt.cacheDir, logger: o.logger, signal: o.signal, refresh: false }
  const files = new Map<string, MirrorFile>()
  const put = (file: MirrorFile): void => addMirrorFile(files, file)
  const frozenOnly: string[] = []
  for (const [id, feature] of Object.entries(lock.features)) {
    const { http, ctx } = contextFor(project, id, net)
    const rule = signatureRule(project.plugins.get(id)!)
    for (const platform of platforms) {
      const locked = feature.platforms[platform]
      if (!locked) {
        throw new RunnerError('LOCKFILE_MISSING_PLATFORM', `${id}@${feature.version} has no ${platform} entry in the lock`, { where: `${project.lockFile} (${id} ${platform})`, hint: `lock it first: runner features lock --platform ${platform}` })
      }
      for (const artifact of ([] as LockedArtifact[]).concat(locked)) {
        if (!files.has(artifact.url)) files.set(artifact.url, await writeArtifact(o.dir, artifact, rt.cacheDir, http))
        const sums = artifact.checksumSource
        if (!sums || files.has(sums)) continue
        put(await writeBytes(o.dir, sums, await checksumFileBytes(http, sums), 'checksums'))
        for (const suffix of rule?.suffixes ?? []) {
          const bytes = await http.bytes(sums + suffix).catch((err: unknown) => {
            if (isRunnerError(err) && [404, 410].includes(err.details?.status as number)) return undefined
            throw err
          })
          if (bytes) put(await writeBytes(o.dir, sums + suffix, bytes, 'signature'))
        }
      }
    }
    // After the checksum files: go's and python's checksum file is their index, which the trimmed
    // copy replaces — unless it is signed (a trimmed copy would fail its signature: frozen-only).
    // With the locked options, as the install reads them (python's `release` picks the file it lists).
    // Not for a vendor bundle (`indexes: false`): there go's and python's full checksum files stay.
    if (o.indexes !== false) {
      let index = await trimmedIndex(await project.feature(id), feature.version, { ...ctx, options: feature.options })
      const signed = 'files' in index && rule ? index.files.find((f) => files.get(f.url)?.kind === 'checksums') : undefined
      if (signed) index = { frozenOnly: `its index ${redactUrl(signed.url)} is a signed checksum file, which a trimmed copy would no longer match` }
      if ('files' in index) {
        for (const f of index.files) put(await writeBytes(o.dir, f.url, Buffer.from(f.body, 'utf8'), f.kind === 'checksums' ? 'checksums' : 'index'))
      } else {
        frozenOnly.push(id)
        o.logger.warn(`${id}@${feature.version}: no version index in the mirror, so it serves \`install --frozen\` only (${index.frozenOnly})`)
      }
    }
    await http.commitIndexCache()
  }
  const manifest: MirrorManifest = {
    format: 1,
    lockSha256: sha256(await readFile(project.lockFile)),
    platforms,
    features: Object.fromEntries(Object.entries(lock.features).map(([id, f]) => [id, f.version])),
    // A bundle serves frozen installs only: no list to give.
    ...(o.indexes === false ? {} : { frozenOnly }),
    files: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)),
  }
  await writeFile(join(o.dir, MIRROR_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}

/**
 * Lists a file just written, by its URL. Several URLs can be one file of the static layout (the
 * query dropped: java's asset list of each platform); the one written last is on disk, so it alone
 * stays listed, and the manifest never names a path twice with different sha256s.
 */
export function addMirrorFile(files: Map<string, MirrorFile>, file: MirrorFile): void {
  for (const [url, other] of files) if (other.path === file.path && url !== file.url) files.delete(url)
  files.set(file.url, file)
}

/** `https://host/a/b.zip` → `host/a/b.zip`; refuses anything that could leave the mirror root. */
export function mirrorPath(url: string): string {
  const u = new URL(url)
  const segments = u.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s))
  if (u.search || !segments.length || segments.some((s) => s === '.' || s === '..' || s.includes('/') || s.includes(sep) || s.includes('\0'))) {
    throw new RunnerError('INVALID_ARGUMENT', `${redactUrl(url)} cannot be stored in a mirror directory`, { where: redactUrl(url), hint: 'the lock holds a URL with a query or odd path; re-lock or report it to the plugin author' })
  }
  return [u.host, ...segments].join('/')
}

async function writeArtifact(root: string, artifact: LockedArtifact, cacheDir: string, http: ReturnType<typeof contextFor>['http']): Promise<MirrorFile> {
  const path = mirrorPath(artifact.url)
  const target = join(root, ...path.split('/'))
  // The download cache's content-addressed file: verified bytes, no request.
  const cached = cachedPath(cacheDir, artifact.sha256)
  const source = await stat(cached).then(() => createReadStream(cached), async () => (await http.open(artifact.url)).body)
  const hash = createHash('sha256')
  let size = 0
  const tmp = `${target}.tmp-${process.pid}`
  await mkdir(dirname(target), { recursive: true })
  try {
    await pipeline(source, new Transform({ transform(chunk: Buffer, _enc, done) { hash.update(chunk); size += chunk.length; done(null, chunk) } }), createWriteStream(tmp))
    const got = hash.digest('hex')
    if (got !== artifact.sha256) {
      throw new RunnerError('CHECKSUM_MISMATCH', `sha256 ${got} is not the locked ${artifact.sha256}`, { where: redactUrl(artifact.url), hint: 'the upstream or mirror serves other bytes than when the lock was written; nothing was added to the mirror' })
    }
    await rename(tmp, target)
  } finally {
    await rm(tmp, { force: true })
  }
  return { url: artifact.url, path, sha256: artifact.sha256, size, kind: 'artifact' }
}

/** Checksum files, signatures and indexes: where a static server looks for the URL (query dropped). */
async function writeBytes(root: string, url: string, bytes: Buffer, kind: MirrorFile['kind']): Promise<MirrorFile> {
  const path = staticMirrorPath(url)
  const target = join(root, ...path.split('/'))
  await mkdir(dirname(target), { recursive: true })
  await writeFile(`${target}.tmp-${process.pid}`, bytes)
  await rename(`${target}.tmp-${process.pid}`, target)
  return { url, path, sha256: sha256(bytes), size: bytes.length, kind }
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
