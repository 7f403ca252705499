import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, link, lstat, mkdir, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { buildOnce, cacheKey, cacheRoot } from '../../../packages/fixture-mirror/src/cache.js'
import { sha256File } from '../../../packages/fixture-mirror/src/checksums.js'

const run = promisify(execFile)

/** Bump when the output of this builder changes, so cached mirrors are rebuilt. */
const BUILDER = 'java-mirror/2'
/** Debian bookworm's OpenJDK 17: the JDK tools and the runtime they need. */
const DEBIAN_PACKAGES = ['openjdk-17-jdk-headless', 'openjdk-17-jre-headless']
const FIXTURES = new URL('../fixtures/', import.meta.url)

export interface JavaMirror {
  /**
   * Directory to serve: api.adoptium.net's layout (the tarball also at the binary endpoint's path,
   * for static servers) plus the GitHub asset the binary endpoint redirects to.
   */
  root: string
  /** Paths the server must redirect, as `/v3/binary/…` redirects to the release asset. */
  redirects: Record<string, string>
  /** The listed semver, as Temurin's API writes it for an LTS release (`17.0.19+10.0.LTS`). */
  version: string
  /** The tool-cache directory setup-java gives it (`17.0.19-10.0.LTS`). */
  toolCacheDir: string
  releaseName: string
  /** Mirror paths, for request assertions. */
  paths: { available: string; assets: string; binary: string; asset: string }
}

/**
 * Builds (or reuses from the cache) an api.adoptium.net mirror holding a **real JDK**: Debian
 * bookworm's OpenJDK 17 (`openjdk-17-jdk-headless` + `openjdk-17-jre-headless`, fetched with
 * `apt-get download`, unpacked with `dpkg-deb -x`, never installed) repackaged as a Temurin
 * tarball, `OpenJDK17U-jdk_x64_linux_hotspot_<V>_<B>.tar.gz` with the top directory
 * `jdk-<V>+<B>/` (`bin/java`, `lib/`, `conf/`, `release` …). Debian's links into `/etc` are
 * replaced by the files its packages ship there; `jmods/`, `man/`, `src.zip` and the
 * ca-certificates-java trust store (another package) are left out. The asset list is the trimmed
 * real response (fixtures/) with this release prepended in the form Adoptium uses today
 * (`semver: 17.0.19+10.0.LTS`, `openjdk_version: 17.0.19+10-LTS`; see {@link temurinSemver}), carrying the tarball's real
 * sha256 and size; `/v3/binary/version/…` redirects to the asset at GitHub's path, as upstream.
 * x86_64 glibc only (the host's).
 */
export async function buildJavaMirror(): Promise<JavaMirror> {
  const debs = await downloadDebs()
  const jdkDeb = (await readdir(debs)).find((n) => n.startsWith('openjdk-17-jdk-headless_'))
  // Debian names OpenJDK's own version: `17.0.19+10`, or `17.0.21.1+2` for a respin.
  const m = /^openjdk-17-jdk-headless_(\d+\.\d+\.\d+)(?:\.(\d+))?\+(\d+)-/.exec(jdkDeb ?? '')
  if (!m) throw new Error(`java-mirror: no openjdk-17-jdk-headless package in ${debs}`)
  const [, base, respin, build] = m as unknown as [string, string, string | undefined, string]
  const openjdk = `${respin ? `${base}.${respin}` : base}+${build}`
  const version = temurinSemver(base, respin, build)
  const releaseName = `jdk-${openjdk}`
  const assetName = `OpenJDK17U-jdk_x64_linux_hotspot_${openjdk.replace('+', '_')}.tar.gz`
  const paths = {
    available: '/v3/info/available_releases',
    assets: '/v3/assets/version/[1.0,100.0]',
    binary: `/v3/binary/version/${releaseName}/linux/x64/jdk/hotspot/normal/eclipse`,
    asset: `/adoptium/temurin17-binaries/releases/download/${releaseName}/${assetName}`,
  }
  const realAssets = readFileSync(new URL('assets-version-linux-x64.json', FIXTURES))
  const root = await buildOnce(join(cacheRoot(), 'java', `${openjdk.replace('+', '_')}_${cacheKey(BUILDER, version, realAssets)}`), async (tmp) => {
    const work = join(tmp, '.work')
    const top = await buildTree(debs, work, releaseName)
    const asset = join(tmp, paths.asset)
    await mkdir(dirname(asset), { recursive: true })
    await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2026-04-21 00:00Z', '-czf', asset, '-C', work, top])
    await rm(work, { recursive: true, force: true })
    // The same bytes at the binary endpoint's path, for static servers that cannot redirect.
    await mkdir(dirname(join(tmp, paths.binary)), { recursive: true })
    await link(asset, join(tmp, paths.binary))
    const githubUrl = `https://github.com/adoptium/temurin17-binaries/releases/download/${encodeURIComponent(releaseName)}/${assetName}`
    const entry = {
      binaries: [{
        architecture: 'x64', heap_size: 'normal', image_type: 'jdk', jvm_impl: 'hotspot', os: 'linux', project: 'jdk',
        package: { checksum: await sha256File(asset), checksum_link: `${githubUrl}.sha256.txt`, link: githubUrl, name: assetName, signature_link: `${githubUrl}.sig`, size: (await stat(asset)).size },
      }],
      release_name: releaseName,
      release_type: 'ga',
      timestamp: '2026-04-21T00:00:00Z',
      vendor: 'eclipse',
      version_data: { build: Number(build), major: 17, minor: 0, openjdk_version: `${openjdk}-LTS`, optional: 'LTS', security: Number(base.split('.')[2]), semver: version },
    }
    await mkdir(dirname(join(tmp, paths.assets)), { recursive: true })
    await writeFile(join(tmp, paths.assets), `${JSON.stringify([entry, ...(JSON.parse(realAssets.toString()) as unknown[])], null, 2)}\n`)
    await mkdir(dirname(join(tmp, paths.available)), { recursive: true })
    await copyFile(new URL('available-releases.json', FIXTURES), join(tmp, paths.available))
  })
  return { root, redirects: { [paths.binary]: paths.asset }, version, toolCacheDir: version.replace('+', '-'), releaseName, paths }
}

/**
 * Adoptium's semver for an LTS build: `17.0.19+10` → `17.0.19+10.0.LTS`; a respin's fourth
 * number moves into the build (`21.0.12.1+1` → `21.0.12+101.0.LTS`), keeping semver order.
 */
export function temurinSemver(base: string, respin: string | undefined, build: string): string {
  return `${base}+${respin ? Number(respin) * 100 + Number(build) : Number(build)}.0.LTS`
}

/** The Debian packages, downloaded once into the fixture cache. */
async function downloadDebs(): Promise<string> {
  return buildOnce(join(cacheRoot(), 'java', 'debs-bookworm-openjdk-17'), async (tmp) => {
    await mkdir(tmp, { recursive: true })
    try {
      await run('apt-get', ['download', ...DEBIAN_PACKAGES], { cwd: tmp })
    } catch (err) {
      throw new Error(`java-mirror: \`apt-get download ${DEBIAN_PACKAGES.join(' ')}\` failed (needs Debian's package mirror and apt lists; run apt-get update): ${(err as Error).message}`)
    }
  })
}

/** Unpacks the debs and lays the JDK out as Temurin's `jdk-<V>+<B>/`; returns that directory's name. */
async function buildTree(debs: string, work: string, top: string): Promise<string> {
  const unpacked = join(work, 'deb')
  await mkdir(unpacked, { recursive: true })
  for (const deb of (await readdir(debs)).filter((n) => n.endsWith('.deb'))) await run('dpkg-deb', ['-x', join(debs, deb), unpacked])
  const jdk = join(work, top)
  await run('cp', ['-a', join(unpacked, 'usr', 'lib', 'jvm', 'java-17-openjdk-amd64'), jdk])
  for (const drop of ['jmods', 'man', 'docs', 'lib/src.zip']) await rm(join(jdk, drop), { recursive: true, force: true })
  await resolveLinks(jdk, unpacked)
  await rm(unpacked, { recursive: true, force: true })
  return top
}

/**
 * Debian links configuration into `/etc` and a few files elsewhere in `/usr`. Each link that
 * leaves the JDK is replaced by the file it names inside the unpacked packages, or dropped when
 * no package here ships it (the trust store of ca-certificates-java); links within the JDK stay.
 */
async function resolveLinks(jdk: string, unpacked: string): Promise<void> {
  for (const entry of await readdir(jdk, { recursive: true, withFileTypes: true })) {
    if (!entry.isSymbolicLink()) continue
    const path = join(entry.parentPath, entry.name)
    const target = await readlink(path)
    const inside = resolve(dirname(path), target)
    if (!isAbsolute(target) && inside.startsWith(jdk + sep) && existsSync(inside)) continue
    const shipped = isAbsolute(target) ? join(unpacked, target) : inside.replace(jdk, join(unpacked, 'usr', 'lib', 'jvm', 'java-17-openjdk-amd64'))
    await rm(path)
    if (existsSync(shipped) && (await lstat(shipped)).isFile()) await writeFile(path, await readFile(shipped))
  }
}
