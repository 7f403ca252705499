// The runtime entry: what a plugin's bundle may contain. Test helpers live in
// `@runner-features/kit/testing`, so no plugin ships them.
export type {
  Arch, Artifact, ArchiveKind, DistroSupport, Feature, FeatureCode, FeatureContext, FeatureManifest, GithubReleaseSource, HttpClient, InstallLink, MirrorIndexFile, Libc, Platform, PlatformSupport, RemoteVersion, SmokeTest,
  SourceDeclaration, SystemPackages, SystemRoute,
} from '@runner-features/core'
export { RunnerError, checksumFor, githubReleaseMirrorIndex, githubReleaseVersions, normalizeChecksumText, parseRhashTable, parseSha256Sums, parseSha256Sums as parseChecksumFile } from '@runner-features/core'
export { defineFeature } from './define-feature.js'
export { DISTRO_PACKAGE_PLATFORMS, defineSystemFeature, type SystemFeatureCode } from './system-feature.js'
export { platformMatrixMarkdown } from './matrix.js'
