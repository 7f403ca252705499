// `@runner-features/core/config`: the team config and the lockfile. Kept out of the main entry
// because they need zod and yaml, which neither plugins nor the `features list` path should load.
export * from './config.js'
export * from './lockfile.js'
export * from './plugin-policy.js'
