export type {
  Arch, Artifact, ArchiveKind, Feature, FeatureContext, FeatureManifest, HttpClient, Libc, Platform, PlatformSupport, RemoteVersion, SmokeTest,
} from '@runner-features/core'
export { RunnerError } from '@runner-features/core'
export { defineFeature } from './define-feature.js'
export { parseChecksumFile, checksumFor } from './checksums.js'
export { fakeContext, contractProblems, artifactProblems } from './contract.js'
