import { execFileSync } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
// The CLI does not depend on the kit; its testing entry is read from source.
import { sha256Hex, startFixtureMirror, writeGithubReleaseMirror, type FixtureMirror } from '../../kit/src/testing/index.js'
import { sandbox } from './helpers.js'

// One broken plugin (or a broken plugins directory) disables only itself: every other feature
// still lists and installs. jq (a bundled, declarative feature) is the "other feature", served
// from a 127.0.0.1 github-release mirror with a stand-in binary.
const hello = fileURLToPath(new URL('./fixtures/hello-plugin', import.meta.url))
let work: string
let mirror: FixtureMirror

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rf-isolation-'))
  const jq = '#!/bin/sh\necho "jq-1.7.1"\n'
  await writeGithubReleaseMirror(join(work, 'mirror'), [{ tag: 'jq-1.7.1', assets: { 'jq-linux-amd64': jq, 'jq-linux-arm64': jq, 'sha256sum.txt': `${sha256Hex(jq)}  jq-linux-amd64\n${sha256Hex(jq)}  jq-linux-arm64\n` } }])
  mirror = await startFixtureMirror(join(work, 'mirror'))
})
afterAll(async () => {
  await mirror?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

/** A plugins dir as `runner plugins install` leaves it: package.json naming the plugins, node_modules holding them. */
async function pluginsDir(root: string, plugins: Record<string, object | string>): Promise<void> {
  await mkdir(join(root, 'node_modules'), { recursive: true })
  await writeFile(join(root, 'package.json'), JSON.stringify({ private: true, dependencies: Object.fromEntries(Object.keys(plugins).map((n) => [n, '1.0.0'])) }))
  for (const [name, pkg] of Object.entries(plugins)) {
    const dir = join(root, 'node_modules', name)
    if (typeof pkg === 'string') await cp(pkg, dir, { recursive: true })
    else {
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, 'package.json'), JSON.stringify(pkg))
    }
  }
}

const broken = {
  name: '@acme/runner-feature-broken',
  version: '1.0.0',
  main: 'index.js',
  runner: { feature: { id: 'broken', description: 'wrong-typed fields', toolName: 'broken', defaultVersion: 'latest', upstream: 'https://example.com/', platforms: 'linux' } },
}

test('a plugin manifest with wrong-typed fields: a warning naming package and field, PLUGIN_INVALID when requested, every other feature works', async () => {
  const b = await sandbox({ RUNNER_FEATURES_MIRROR_JQ: mirror.url })
  try {
    await pluginsDir(b.env.RUNNER_FEATURES_PLUGINS_DIR!, { '@acme/runner-feature-broken': broken, '@acme/runner-feature-hello': hello })
    const list = await b.runner(['features', 'list'])
    expect(list.exitCode, list.all).toBe(0)
    expect(list.all).toMatch(/warning: .*@acme\/runner-feature-broken \(feature "broken"\): the plugin is disabled: runner\.feature\.platforms: .*expected array/)
    expect(list.stdout).toContain('hello')
    expect(list.stdout).toContain('terraform')
    const json = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout)
    expect(json.problems).toEqual([expect.objectContaining({ where: expect.stringContaining('@acme/runner-feature-broken'), message: expect.stringMatching(/runner\.feature\.platforms: .*expected array/) })])

    const requested = await b.runner(['features', 'install', 'broken', '--json'])
    expect(requested.exitCode).toBe(1)
    expect(JSON.parse(requested.stdout).error).toMatchObject({ code: 'PLUGIN_INVALID', where: expect.stringContaining('@acme/runner-feature-broken'), message: expect.stringContaining('runner.feature.platforms') })
    expect(requested.all).not.toContain('is not a function')

    const jq = await b.runner(['features', 'install', 'jq@1.7.1'])
    expect(jq.exitCode, jq.all).toBe(0)
    expect(execFileSync(join(b.binDir, 'jq'), ['--version'], { encoding: 'utf8' })).toBe('jq-1.7.1\n')
  } finally {
    await b.cleanup()
  }
})

test('an invalid package.json at the top of the plugins dir: a warning, bundled features keep working', async () => {
  const b = await sandbox({ RUNNER_FEATURES_MIRROR_JQ: mirror.url })
  try {
    await mkdir(b.env.RUNNER_FEATURES_PLUGINS_DIR!, { recursive: true })
    await writeFile(join(b.env.RUNNER_FEATURES_PLUGINS_DIR!, 'package.json'), '{"dependencies": {"@acme/x": "1.0.0",,}')
    const list = await b.runner(['features', 'list'])
    expect(list.exitCode, list.all).toBe(0)
    expect(list.all).toMatch(/warning: .*plugins\/package\.json: the plugins directory is unusable, its plugins are disabled: .*JSON/)
    expect(list.stdout).toContain('jq')
    const jq = await b.runner(['features', 'install', 'jq@1.7.1'])
    expect(jq.exitCode, jq.all).toBe(0)
  } finally {
    await b.cleanup()
  }
})
