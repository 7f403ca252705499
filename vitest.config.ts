import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Tests import workspace packages from source; end-to-end tests run the built CLI instead.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@runner-features\/(core|installer|engine|kit|fixture-mirror|package-managers)$/, replacement: src('./packages/$1/src/index.ts') },
      { find: /^@runner-features\/(core|kit)\/testing$/, replacement: src('./packages/$1/src/testing/index.ts') },
      { find: /^@runner-features\/engine\/fast$/, replacement: src('./packages/engine/src/fast.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'images/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
  },
})
