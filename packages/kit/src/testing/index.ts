// Test helpers for plugin authors: never imported by a plugin's runtime code, so never bundled.
export { fakeContext, contractProblems, artifactProblems } from './contract.js'
export { pluginProblems } from './plugin-dir.js'
export { platformFromOsRelease } from './platform-of.js'
export { startFixtureMirror, writeGithubReleaseMirror, sha256Hex, type FixtureMirror, type MirrorRelease } from './mirror.js'
export { findRunnerCli, runnerSandbox, type RunnerRepo, type RunnerResult, type RunnerSandbox } from './sandbox.js'
export { mirrorHarness, mirrorVariable, missingCommands, withEnv, type HarnessMirror, type MirrorHarness, type MirrorHarnessOptions } from './harness.js'
