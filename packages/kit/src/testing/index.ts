// Test helpers for plugin authors: never imported by a plugin's runtime code, so never bundled.
// The fake context is core's (core's own source tests use it; the kit depends on core, not the reverse).
export { fakeContext, type FakeRoutes } from '@runner-features/core/testing'
export { contractProblems, artifactProblems } from './contract.js'
export { pluginProblems } from './plugin-dir.js'
export { platformFromOsRelease } from './platform-of.js'
export { startFixtureMirror, writeGithubReleaseMirror, sha256Hex, type FixtureMirror, type MirrorRelease } from './mirror.js'
export { findRunnerCli, runnerSandbox, type RunnerRepo, type RunnerResult, type RunnerSandbox } from './sandbox.js'
export { mirrorHarness, mirrorVariable, missingCommands, withEnv, type HarnessMirror, type MirrorHarness, type MirrorHarnessOptions } from './harness.js'
