// Shared tsup settings: each package's tsup.config.ts is three lines (changesets' pattern).
export function packageBuild(overrides = {}) {
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node22',
    platform: 'node',
    sourcemap: true,
    clean: true,
    dts: false,
    splitting: false,
    ...overrides,
  }
}
