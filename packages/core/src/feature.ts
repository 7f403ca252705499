import type { Arch, DistroFamily, Libc, Os, Platform } from './platform.js'
import type { RemoteVersion } from './version-spec.js'
import type { FeatureContext, Schema } from './context.js'
import type { RepositorySpec } from './package-manager.js'

/**
 * A hard dependency: `id` must be installed (at a version matching `version`, with these options)
 * before the declaring feature. Recursive; resolved together with every other request, one version
 * per id.
 */
export interface FeatureDependency {
  id: string
  /** A version spec as users write it: `^20`, `>=3.10 <3.13`, `20`, `latest`. */
  version: string
  options?: Record<string, unknown>
}

/**
 * What a plugin declares about itself without running any code. It lives in the plugin's
 * package.json under `runner.feature`, so `runner features list` can show every plugin by reading
 * JSON, never importing plugin code: listing cost stays flat as plugins are added.
 */
export interface FeatureManifest {
  /** `nodejs`, `terraform`: what users type before `@`. */
  id: string
  description: string
  /**
   * The `@actions/tool-cache` tool name the install lands under: `<root>/<toolName>/<semver>/<arch>/`.
   * Part of the contract with setup-* actions (`node`, `Python`, `go`, `Java_Temurin-Hotspot_jdk`).
   */
  toolName: string
  /** The spec a bare `runner features install <id>` uses (`lts`, `latest`). */
  defaultVersion: string
  /** Canonical upstream base URL; a mirror replaces exactly this prefix. Ends with `/`. */
  upstream: string
  homepage?: string
  platforms: PlatformSupport[]
  /** Hard dependencies, installed first (devcontainer's `dependsOn`, with version ranges). */
  dependsOn?: FeatureDependency[]
  /** Soft ordering: install after these ids when they are installed too; never pulls them in. */
  installsAfter?: string[]
  /**
   * Executables relative to the install dir, linked into the bin dir; the first is required.
   * Stated here (data) or in code; a declarative plugin states it here. One list for every OS, or
   * a list per OS (see {@link BinsByOs}) when an upstream lays its Windows archive out differently.
   */
  bins?: Bins
  /** Proves the install works; see {@link SmokeTest}. Stated here or in code. */
  smokeTest?: SmokeTest
  /**
   * Symlinks made inside the install dir, as templates (`{os}`, `{arch}`, `{libc}`, `{version}`,
   * mapped through the source's vocabulary): yq's tarball holds `yq_linux_amd64`, so
   * `{path: 'yq', target: 'yq_{os}_{arch}'}`. Code may instead implement {@link Feature.links}.
   */
  symlinks?: InstallLink[]
  /**
   * Where versions and artifacts come from, for the common upstream shapes; core interprets it
   * (plugins declare, core acts), so a plugin with a source needs no code. See `sources/`.
   */
  source?: SourceDeclaration
  /**
   * How the upstream signs its checksum files, so core verifies them before any download (fail
   * closed). The `hashicorp` source has this built in (HashiCorp's key); other plugins declare it.
   */
  signature?: SignatureDeclaration
}

/**
 * `{ "suffixes": [".sig", ".asc"], "keys": ["keys/"] }`: the signature of a checksum file is the
 * checksum file's URL plus the first suffix the upstream (or mirror) serves; `keys` are armored
 * public key files or directories of `*.asc`, relative to the plugin's folder.
 */
export interface SignatureDeclaration {
  suffixes: string[]
  keys: string[]
}

/**
 * How an upstream names a platform in its file names. Each map turns one of our values into the
 * upstream's word (`x64` → `amd64`); a value missing from a map is used as is.
 */
export interface PlatformVocabulary {
  os?: Partial<Record<Os, string>>
  arch?: Partial<Record<Arch, string>>
  libc?: Partial<Record<Libc, string>>
}

/**
 * Releases of a GitHub repository. Versions come from the REST API's list of releases
 * (`https://api.github.com/repos/<repo>/releases?per_page=100&page=N`, with `GITHUB_TOKEN` when
 * set); assets from `https://github.com/<repo>/releases/download/<tag>/<asset>`. The feature's
 * `upstream` must be `https://github.com/<repo>/`; a mirror serves the API listing under `api/`
 * (see docs/plugins.md, "Mirror layouts").
 */
export interface GithubReleaseSource extends PlatformVocabulary {
  type: 'github-release'
  /** `owner/name`. */
  repo: string
  /** The tag of a version, `{version}` standing for it: `v{version}` (default), `jq-{version}`. */
  tag?: string
  /** The asset for one platform: `yq_{os}_{arch}.tar.gz`, `jq-{os}-{arch}`. */
  asset: string
  /** Default: from the asset's extension (`.tar.gz`, `.tar.xz`, `.zip`, else a single file). */
  archive?: ArchiveKind
  strip?: number
  checksums: ChecksumDeclaration
  /** Skip releases GitHub marks as pre-releases (default false: the resolver decides). */
  skipPrereleases?: boolean
}

/**
 * Where an asset's sha256 comes from, as a release asset name template (`{asset}` is the
 * artifact's file name):
 * - `{asset: 'sha256sum.txt'}` / `{asset: 'hashes.sha256'}`: a `sha256sum` listing (UTF-8 or
 *   UTF-16, BOM or not, CRLF or LF, `*` binary marks);
 * - `{asset: '{asset}.sha256'}`: one file per asset holding its hash (optionally followed by a name);
 * - `{asset: 'checksums', hashOrder: 'checksums_hashes_order'}`: an rhash table (`<file> <hash>…`)
 *   whose columns are named, one per line, by the `hashOrder` asset; the `SHA-256` column is used.
 */
export interface ChecksumDeclaration {
  asset: string
  hashOrder?: string
}

/** Any product on releases.hashicorp.com: `<product>/index.json` and `<product>_<v>_SHA256SUMS`. */
export interface HashicorpSource {
  type: 'hashicorp'
  /** `terraform`, `packer`, `vault`, … */
  product: string
  /** HashiCorp's arch words; default `x64` → `amd64`. */
  arch?: Partial<Record<Arch, string>>
}

/**
 * A versions list and URL templates, relative to `upstream` (so a mirror serves them all).
 * `index-json`: the list is JSON (an array, or the array at `path`, of strings or of objects whose
 * `field` is the version); `url-template`: the same, or plain text with one version per line
 * (`format: 'lines'`).
 */
export interface UrlTemplateSource extends PlatformVocabulary {
  type: 'index-json' | 'url-template'
  versions: { url: string; format?: 'json' | 'lines'; path?: string; field?: string; prefix?: string }
  /** Artifact URL template: `{version}/hello-{os}-{arch}.tar.gz`. */
  artifact: string
  /** A `sha256sum` listing (template) that names the artifact's file, or `{artifact}.sha256`. */
  checksums: string
  archive?: ArchiveKind
  strip?: number
}

export type SourceDeclaration = GithubReleaseSource | HashicorpSource | UrlTemplateSource

/** One supported combination family: a Linux entry or a Windows entry. */
export type PlatformSupport = LinuxSupport | WindowsSupport

/** Linux: all listed arches × libcs on the listed distro families. */
export interface LinuxSupport {
  os: 'linux'
  arch: Arch[]
  libc: Libc[]
  /** Distro families this works on; absent = any (a static binary). */
  families?: DistroFamily[]
  /** Narrower than `families`: the distros (and `VERSION_ID` ranges) this works on; absent = any. */
  distros?: DistroSupport[]
}

/**
 * Windows: the listed arches. No `libc` (Windows has no glibc/musl split) and no distro fields
 * (families are Linux package-manager families): the manifest schema refuses them here.
 */
export interface WindowsSupport {
  os: 'windows'
  arch: Arch[]
  libc?: undefined
  families?: undefined
  distros?: undefined
}

/**
 * Bins per OS, for an upstream whose Windows archive differs from its Linux one: nodejs.org's
 * Linux tarball has `bin/node`, its Windows zip `node.exe`, `npm.cmd`, … at the top (where
 * setup-node looks on Windows: `<toolcache>/node/<V>/x64/node.exe`, no `bin/`). Every OS the
 * feature's `platforms` name must have its list.
 */
export type BinsByOs = Partial<Record<Os, string[]>>

/** What `bins` may be: one list for every OS, or a list per OS. */
export type Bins = string[] | BinsByOs

/** A distro, or every distro of a family, and the `VERSION_ID` range supported there. */
export interface DistroSupport {
  family: DistroFamily
  /** os-release `ID` (`ubuntu`, `debian`, `rocky`, `amzn`); absent = every distro of the family. */
  id?: string
  /** Space-separated comparators on `VERSION_ID`, compared numerically per dot component: `>=11`, `>=20.04 <26`. */
  versions?: string
}

/** Package names per distro family, for a feature installed from the distro's own packages. */
export type SystemPackages = Partial<Record<DistroFamily, string[]>>

export type ArchiveKind = 'tar.gz' | 'tar.xz' | 'zip' | 'file'

/** A downloadable, checksummed artifact. Plugins declare it; core fetches, verifies and extracts. */
export interface Artifact {
  /** Canonical upstream URL. Core applies any mirror at fetch time; the lockfile keeps this one. */
  url: string
  /** Lower-case hex sha256. Mandatory: without it core refuses (`CHECKSUM_MISSING`). */
  sha256: string
  /** Where the checksum came from (`SHASUMS256.txt`), shown in errors. */
  checksumSource: string
  size?: number
  archive: ArchiveKind
  /** Leading path components to drop, like `tar --strip-components` (1 for `node-v20.11.1-linux-x64/`). */
  strip: number
  /** For `archive: 'file'`: the name the single file gets inside the install dir (mode 0755). */
  fileName?: string
  /**
   * The upstream publishes no digest for this file (Chrome for Testing): `sha256` is `''` and
   * `runner features lock` downloads the file once, hashes it and pins that sha256 in the lock
   * (trust on first use). Every install then verifies against the lock; without a lock entry the
   * install fails closed with `CHECKSUM_MISSING` — never an unverified download.
   */
  trustOnFirstUse?: boolean
  /**
   * A detached OpenPGP signature over this file's own bytes (AWS CLI's `<zip>.sig`), checked when
   * `runner features lock` downloads a `trustOnFirstUse` artifact, before its sha256 is pinned: so
   * the pinned digest is the signed one, not merely the first one seen.
   */
  detachedSignature?: {
    /** Canonical URL of the signature (a mirror applies as for the file). */
    url: string
    /** Armored public key(s) the plugin ships; `RUNNER_FEATURES_TRUSTED_KEYS` / `trustedKeys:` add more. */
    keys: string
    /** Where the keys come from, for messages (`plugins/aws-cli/keys/aws-cli-team.asc`). */
    keysSource: string
  }
}

/**
 * Runs after extraction, in the staging directory, before the atomic rename. `command[0]` is relative
 * to the install dir (for `packages` features: a command looked up on PATH). `expect` must appear in stdout+stderr; `{{version}}` is the resolved version.
 * `{{major.minor}}` its first two components, for tools that print no more (`nvcc --version`: `release 12.4`).
 */
export interface SmokeTest {
  command: string[]
  expect: string
}

/**
 * A feature plugin's runtime half. Mostly data; the two functions only compute from what the
 * context hands them (HTTP through `ctx.http`). Core owns caching, retries, mirrors, verification,
 * extraction, atomic install and state.
 */
export interface Feature extends Omit<FeatureManifest, 'bins' | 'smokeTest'> {
  /**
   * Executables relative to the install dir, linked into the bin dir; the first is required. The
   * Linux list (or the only one); read {@link binsFor} for the platform an install runs on.
   */
  bins: string[]
  /** Present when bins were declared per OS: each OS's list (see {@link BinsByOs}). */
  binsByOs?: BinsByOs
  smokeTest: SmokeTest
  /** Every version upstream offers (any order); core sorts and resolves specs. */
  listVersions(ctx: FeatureContext): Promise<RemoteVersion[]>
  /**
   * The alternative to `artifact` (version `system`): the distro packages that provide the feature.
   * Core's package-manager layer installs them when missing; `bins` and smoke tests are then looked
   * up on PATH and the state records the system location. A family missing here is unsupported.
   */
  packages?(platform: Platform, options?: Readonly<Record<string, unknown>>): SystemPackages
  /**
   * For a feature with both routes (python: relocatable builds into the tool cache, and
   * `python@system` from the distro), what differs on the `system` route. Absent fields = the
   * top-level ones, which is all a packages-only feature needs.
   */
  system?: SystemRoute
  /**
   * For `packages` features served by a vendor repository rather than the distro's own (Docker CE):
   * the repository per distro family, with canonical URLs under `upstream` (core rebases them onto a
   * mirror) and the expected key fingerprint. Core adds it, key checked first, only when packages are
   * missing; a family absent here installs from the distro's enabled repositories.
   */
  repositories?(platform: Platform): Partial<Record<DistroFamily, RepositorySpec>>
  /**
   * Groups whose members may use what the feature installs (the docker socket). Core creates each
   * missing group with its `gid` before the packages (so their install scripts reuse it) and adds
   * the runner user to it.
   */
  groups?: GroupMembership[]
  /**
   * Warnings core prints after a successful install, given the validated options and where it ran
   * (the engine-in-a-container caveat). Pure: no I/O.
   */
  notices?(options: Readonly<Record<string, unknown>>, situation: InstallSituation): string[]
  /** More smoke tests run after `smokeTest` (one per tool of a bundle such as common-utils). */
  smokeTests?: SmokeTest[]
  /**
   * The artifact for one version on one platform, checksum included. A feature declares this or
   * {@link Feature.artifacts} (or is made of `packages`); core calls whichever exists.
   */
  artifact?(version: RemoteVersion, platform: Pick<Platform, 'os' | 'arch' | 'libc'>, ctx: FeatureContext): Promise<Artifact>
  /**
   * For a version shipped as several archives that together make one install (NVIDIA's per-component
   * redist tarballs): every artifact, each with its own sha256, extracted in this order into the same
   * install dir (a later archive's file replaces an earlier one at the same path, as successive
   * `tar -x` runs would). Core verifies all of them before anything becomes visible, and the lock
   * and the state record each one.
   */
  artifacts?(version: RemoteVersion, platform: Pick<Platform, 'os' | 'arch' | 'libc'>, ctx: FeatureContext): Promise<Artifact[]>
  /**
   * For `runner features mirror build`: the upstream files `listVersions` (and `artifact`, beyond
   * the checksum files the lock names) read, in the upstream's own format but trimmed to `versions`
   * (the mirrored ones), so a mirror directory answers version resolution (`install nodejs@20`, not
   * only `--frozen`). Each body is the upstream's content with entries left out, never a field
   * added. A declared source supplies it; a feature without it is mirrored for frozen installs only.
   */
  mirrorIndex?(versions: readonly string[], ctx: FeatureContext): Promise<MirrorIndexFile[]>
  /**
   * The options this feature accepts (zod or anything with `safeParse`), with defaults. Validated at
   * resolve time against what the config and dependents ask for; the parsed value (defaults applied)
   * is what the lockfile records.
   */
  options?: Schema<Record<string, unknown>>
  /**
   * Relative symlinks core creates inside the staging dir after extraction and before the smoke
   * test, for layouts a consumer expects but the archive lacks (setup-python wants `bin/python`
   * and a top-level `python` → `bin/python3.12`). An existing path is left as the archive made it.
   */
  links?(version: string, platform: Pick<Platform, 'os' | 'arch' | 'libc'>): InstallLink[]
  /**
   * Commands core runs in the final install dir after the atomic rename and before the
   * `<arch>.complete` marker is written (so nothing sees the install until they succeed; a failure
   * removes the dir). After the rename, because what they write may record its own path (pip's
   * console-script shebangs). `command[0]` is relative to the install dir. Options come from the
   * team config, so a command-line install runs none of an option's steps.
   */
  postInstall?(installDir: string, version: string, options: Readonly<Record<string, unknown>>): PostInstallStep[]
  /** Extra variables written to `GITHUB_ENV` after install, computed from the install dir. */
  env?(installDir: string, version: string, options: Readonly<Record<string, unknown>>): Record<string, string>
}

/** One file of a trimmed version index; see {@link Feature.mirrorIndex}. */
export interface MirrorIndexFile {
  /** The canonical upstream URL the feature reads, query included (`https://go.dev/dl/?mode=json&include=all`). */
  url: string
  /** The upstream's format (JSON as JSON, text as text), holding only the mirrored versions. */
  body: string
  /**
   * `index` (default): a version listing. `checksums`: a file that resolving a new version reads
   * besides the lock's checksum file (an rhash table's column order).
   */
  kind?: 'index' | 'checksums'
}

/** The `system`-route overrides of a feature that also installs from artifacts. */
export interface SystemRoute {
  /** Where the package names are known (narrower than `platforms`, the union of both routes). */
  platforms?: PlatformSupport[]
  /** Commands looked up on PATH (top-level `bins` are paths inside the install dir). */
  bins?: string[]
  smokeTest?: SmokeTest
  smokeTests?: SmokeTest[]
}

/** One post-install command; see {@link Feature.postInstall}. */
export interface PostInstallStep {
  /** Shown in progress and errors: `pip install requests==2.32.3`. */
  description: string
  command: string[]
}

/** One symlink inside an install dir: `path` (relative to the install dir) → `target` (relative to `path`'s directory). */
export interface InstallLink {
  path: string
  target: string
}

/** A group the runner user must belong to; created by core when missing. */
export interface GroupMembership {
  name: string
  /**
   * The gid a newly created group gets (`docker`: 123, what ARC's runner image and its dind sidecar
   * `dockerd --group=123` agree on). An existing group keeps its gid; core warns when it differs.
   */
  gid?: number
}

/** What core knows about the machine an install ran on, for {@link Feature.notices}. */
export interface InstallSituation {
  /** Inside a container (`/.dockerenv`, `/run/.containerenv`, or the `container` variable). */
  inContainer: boolean
}

/** Where a feature's code and metadata came from. */
export interface PluginRef {
  /** npm package name, e.g. `@runner-features/nodejs`. */
  name: string
  version: string
  /** Absolute package directory. */
  dir: string
  /** `bundled` ships with the CLI; `user` was added with `runner plugins install`. */
  origin: 'bundled' | 'user'
  manifest: FeatureManifest
}
