import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Ctx, Scenario } from '../scenario.js'
import { TF } from './common.js'

const tf = `terraform@${TF}`

/** Writes `files` (path → content) under the box's plugins dir. */
async function plugins(t: Ctx, files: Record<string, string>): Promise<void> {
  for (const [path, body] of Object.entries(files)) {
    const file = join(t.box.env.RUNNER_FEATURES_PLUGINS_DIR!, path)
    await mkdir(join(file, '..'), { recursive: true })
    await writeFile(file, body)
  }
}

const brokenManifest = JSON.stringify({
  name: '@acme/runner-feature-broken', version: '1.0.0', main: 'index.js',
  runner: { feature: { id: 'broken', description: 'wrong-typed fields', toolName: 'broken', defaultVersion: 'latest', upstream: 'https://example.com/', platforms: 'linux' } },
})

/** One broken plugin (or plugins dir) disables only itself: every other feature keeps installing. */
export const pluginScenarios: Scenario[] = [
  {
    name: 'plugins: invalid package.json at the top of the plugins dir → other features still install',
    run: async (t) => {
      await plugins(t, { 'package.json': '{"dependencies": {"@acme/x": "1.0.0",,}' })
      await t.expectSuccess('install next to a broken plugins dir', await t.install([tf]))
      await rm(join(t.box.env.RUNNER_FEATURES_PLUGINS_DIR!, 'package.json'))
      await t.expectSuccess('re-run', await t.install([tf]))
    },
  },
  {
    name: 'plugins: manifest with wrong-typed fields → PLUGIN_INVALID for it, other features still install',
    run: async (t) => {
      await plugins(t, {
        'package.json': JSON.stringify({ private: true, dependencies: { '@acme/runner-feature-broken': '1.0.0' } }),
        'node_modules/@acme/runner-feature-broken/package.json': brokenManifest,
      })
      await t.expectError('install of the broken plugin\'s feature', await t.install(['broken']), ['PLUGIN_INVALID'])
      await t.expectSuccess('install of another feature', await t.install([tf]))
    },
  },
]
