/**
 * releases.hashicorp.com/<product>/index.json: `{name, versions: {"<v>": release}}`, keys in the
 * order the real service writes them (see fixtures/hashicorp/terraform-index.json). Pure functions.
 */

export const HASHICORP_RELEASES = 'https://releases.hashicorp.com/'

/** One file of a release, e.g. `terraform_1.5.0_linux_amd64.zip`. */
export interface HashicorpBuild {
  arch: string
  filename: string
  name: string
  os: string
  url: string
  version: string
}

export interface HashicorpRelease {
  builds: HashicorpBuild[]
  name: string
  shasums: string
  shasums_signature: string
  shasums_signatures: string[]
  version: string
}

export interface HashicorpIndex {
  name: string
  versions: Record<string, HashicorpRelease>
}

/** The zip name upstream uses for a build. */
export function zipName(product: string, version: string, os: string, arch: string): string {
  return `${product}_${version}_${os}_${arch}.zip`
}

/**
 * A release entry in the real shape. `url`s are the absolute upstream URLs (consumers rebase them
 * onto a mirror). The signature names are listed as upstream lists them (72D7468F is HashiCorp's
 * key id) even though a mirror cannot serve real signatures.
 */
export function releaseEntry(product: string, version: string, platforms: ReadonlyArray<{ os: string; arch: string }>): HashicorpRelease {
  const sums = `${product}_${version}_SHA256SUMS`
  return {
    builds: platforms.map(({ os, arch }) => {
      const filename = zipName(product, version, os, arch)
      return { arch, filename, name: product, os, url: `${HASHICORP_RELEASES}${product}/${version}/${filename}`, version }
    }),
    name: product,
    shasums: sums,
    shasums_signature: `${sums}.sig`,
    shasums_signatures: [`${sums}.72D7468F.sig`, `${sums}.sig`],
    version,
  }
}

/** Semver-ish ascending order (the order the real index lists versions in): `0.12.0-rc1` < `0.12.0`. */
export function compareReleaseVersions(a: string, b: string): number {
  const split = (v: string) => {
    const [core = '', pre] = v.split('-', 2)
    return { nums: core.split('.').map(Number), pre }
  }
  const [x, y] = [split(a), split(b)]
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0)
    if (d) return d
  }
  if (x.pre === y.pre) return 0
  if (x.pre === undefined) return 1
  if (y.pre === undefined) return -1
  return x.pre < y.pre ? -1 : 1
}

/** The real index plus built releases (a built release replaces a real one of the same version). */
export function mergeHashicorpIndex(real: HashicorpIndex, built: readonly HashicorpRelease[]): HashicorpIndex {
  const all = new Map(Object.entries(real.versions))
  for (const release of built) all.set(release.version, release)
  const versions = Object.fromEntries([...all.entries()].sort(([a], [b]) => compareReleaseVersions(a, b)))
  return { name: real.name, versions }
}
