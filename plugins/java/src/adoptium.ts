import semver from 'semver'
import { RunnerError, type FeatureContext, type Platform, type RemoteVersion } from '@runner-features/kit'
import { assetsPageSchema, availableReleasesSchema, type TemurinRelease } from './schema.js'

export const UPSTREAM = 'https://api.adoptium.net/'
/** Adoptium's page size limit for asset lists, and what setup-java asks for. */
export const PAGE_SIZE = 20
/** Past this many pages something is wrong (a mirror answering every page alike is handled before). */
const MAX_PAGES = 50

/** Adoptium's words for our platform: `x64`/`aarch64`, `linux`/`alpine-linux` (musl builds). */
export function adoptiumPlatform(platform: Pick<Platform, 'arch' | 'libc'>): { os: string; architecture: string } {
  return { os: platform.libc === 'musl' ? 'alpine-linux' : 'linux', architecture: platform.arch === 'arm64' ? 'aarch64' : 'x64' }
}

/**
 * One page of GA Temurin JDKs for a platform, asked exactly as actions/setup-java's Temurin
 * installer asks (`src/distributions/temurin/installer.ts`): every version in `[1.0,100.0]`,
 * newest first.
 */
export function assetsUrl(platform: Pick<Platform, 'arch' | 'libc'>, page: number): string {
  const { os, architecture } = adoptiumPlatform(platform)
  const query = [
    'project=jdk', 'vendor=adoptium', 'heap_size=normal', 'sort_method=DEFAULT', 'sort_order=DESC',
    `os=${os}`, `architecture=${architecture}`, 'image_type=jdk', 'release_type=ga', 'jvm_impl=hotspot',
    `page_size=${PAGE_SIZE}`, `page=${page}`,
  ].join('&')
  return `${UPSTREAM}v3/assets/version/${encodeURI('[1.0,100.0]')}?${query}`
}

export const AVAILABLE_RELEASES_URL = `${UPSTREAM}v3/info/available_releases`

/**
 * The download for a release: Adoptium's binary endpoint, which redirects to the asset on GitHub.
 * Under the API's own host, so one mirror of api.adoptium.net serves listings and archives.
 */
export function binaryUrl(release: Pick<TemurinRelease, 'release_name'>, platform: Pick<Platform, 'arch' | 'libc'>): string {
  const { os, architecture } = adoptiumPlatform(platform)
  return `${UPSTREAM}v3/binary/version/${encodeURIComponent(release.release_name)}/${os}/${architecture}/jdk/hotspot/normal/eclipse`
}

/**
 * Every GA release for a platform (default: the context's), following pages until one is short, answers 404
 * (Adoptium's reply past the last page) or brings no release not seen before (a static mirror
 * answers every page with the same file). `enough`: stop after the page where it first holds.
 */
export async function listReleases(ctx: FeatureContext, platform: Pick<Platform, 'arch' | 'libc'> = ctx.platform, enough?: (releases: readonly TemurinRelease[]) => boolean): Promise<{ releases: TemurinRelease[]; source: string }> {
  const seen = new Set<string>()
  const releases: TemurinRelease[] = []
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = assetsUrl(platform, page)
    let batch: TemurinRelease[]
    try {
      batch = await ctx.http.json(url, assetsPageSchema)
    } catch (err) {
      if (page > 0 && (err as { details?: { status?: number } }).details?.status === 404) break
      throw err
    }
    const fresh = batch.filter((r) => !seen.has(r.release_name))
    for (const r of fresh) {
      seen.add(r.release_name)
      releases.push(r)
    }
    if (batch.length < PAGE_SIZE || fresh.length === 0 || enough?.(releases)) return { releases, source: assetsUrl(platform, 0) }
  }
  ctx.logger.warn(`java: stopped listing Temurin releases after ${MAX_PAGES} pages of ${assetsUrl(platform, 0)}`)
  return { releases, source: assetsUrl(platform, 0) }
}

/** The release's JDK tarball for this platform, when Adoptium lists one. */
export function jdkPackage(release: TemurinRelease, platform: Pick<Platform, 'arch' | 'libc'>): NonNullable<TemurinRelease['binaries'][number]['package']> | undefined {
  const { os, architecture } = adoptiumPlatform(platform)
  return release.binaries.find((b) => b.os === os && b.architecture === architecture && b.image_type === 'jdk' && b.jvm_impl === 'hotspot' && b.package?.name.endsWith('.tar.gz'))?.package
}

/**
 * Versions as setup-java names them (`version_data.semver`, so the tool-cache directory is its
 * `+` → `-` form), LTS feature releases marked with their major. A respin (`21.0.12+101.0.LTS`
 * after `21.0.12+8.0.LTS`) has the same semver precedence as what it replaces; only the newest
 * build of each is kept, as setup-java's `compareBuild` sort would pick it.
 */
export function versionsOf(releases: readonly TemurinRelease[], lts: ReadonlySet<number>, platform: Pick<Platform, 'arch' | 'libc'>): RemoteVersion[] {
  const newest = new Map<string, TemurinRelease>()
  for (const r of releases) {
    if (r.release_type !== 'ga' || !jdkPackage(r, platform) || !semver.valid(r.version_data.semver)) continue
    const key = semver.parse(r.version_data.semver)!.version
    const current = newest.get(key)
    if (!current || semver.compareBuild(r.version_data.semver, current.version_data.semver) > 0) newest.set(key, r)
  }
  return [...newest.values()].map((r) => ({
    version: r.version_data.semver,
    lts: lts.has(r.version_data.major) ? String(r.version_data.major) : false,
    ...(r.timestamp ? { date: r.timestamp.slice(0, 10) } : {}),
  }))
}

export async function ltsMajors(ctx: FeatureContext): Promise<Set<number>> {
  return new Set((await ctx.http.json(AVAILABLE_RELEASES_URL, availableReleasesSchema)).available_lts_releases)
}

/** The release a resolved version came from, or `UNSUPPORTED_PLATFORM` naming the listing. */
export function releaseFor(releases: readonly TemurinRelease[], version: string, platform: Pick<Platform, 'arch' | 'libc'>, source: string): { release: TemurinRelease; pkg: NonNullable<ReturnType<typeof jdkPackage>> } {
  for (const release of releases) {
    const pkg = release.version_data.semver === version ? jdkPackage(release, platform) : undefined
    if (pkg) return { release, pkg }
  }
  const { os, architecture } = adoptiumPlatform(platform)
  throw new RunnerError('UNSUPPORTED_PLATFORM', `Temurin ${version} has no ${os} ${architecture} JDK tarball`, { where: source, hint: 'pick another version; see runner features versions java' })
}

/**
 * For a mirror: the releases named by `versions` (their `version_data.semver`) from each
 * platform's asset list, as one list. A static server drops the query, so one file answers every
 * platform's asset query; each release therefore carries the binaries of every listing it was found
 * in, each entry as Adoptium wrote it: what the unfiltered query returns, with entries left out.
 * In the order first seen (the lists are newest first).
 */
export function mergedReleases(listings: readonly (readonly TemurinRelease[])[], versions: readonly string[]): TemurinRelease[] {
  const byName = new Map<string, TemurinRelease>()
  for (const releases of listings) {
    for (const release of releases) {
      if (!versions.includes(release.version_data.semver)) continue
      const kept = byName.get(release.release_name)
      if (!kept) byName.set(release.release_name, { ...release, binaries: [...release.binaries] })
      else for (const b of release.binaries) if (!kept.binaries.some((k) => JSON.stringify(k) === JSON.stringify(b))) kept.binaries.push(b)
    }
  }
  return [...byName.values()]
}
