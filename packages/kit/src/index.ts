export type {
  Arch, Artifact, ArchiveKind, DistroSupport, Feature, FeatureContext, FeatureManifest, HttpClient, InstallLink, Libc, Platform, PlatformSupport, RemoteVersion, SmokeTest, SystemPackages, SystemRoute,
} from '@runner-features/core'
export { RunnerError } from '@runner-features/core'
export { defineFeature } from './define-feature.js'
export { DISTRO_PACKAGE_PLATFORMS, defineSystemFeature, type SystemFeatureDeclaration } from './system-feature.js'
export { platformMatrixMarkdown } from './matrix.js'
export { parseChecksumFile, checksumFor } from './checksums.js'
export { fakeContext, contractProblems, artifactProblems } from './contract.js'
export { platformFromOsRelease } from './platform-of.js'
