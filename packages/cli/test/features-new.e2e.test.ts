import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pluginFixtures } from '@runner-features/fixture-mirror'
import { RUNNER_BIN } from './helpers.js'

// `runner features new` as an author uses it: the built CLI writes the plugin, then the plugin's
// one command (its `test` script: build + unit, contract and end-to-end tests against a
// 127.0.0.1 mirror through this same CLI) runs green, inside a monorepo and standalone.
const REPO = fileURLToPath(new URL('../../../', import.meta.url))
let work: string

/** The parent environment without what points a CLI or a test runner elsewhere (this run is itself vitest). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(RUNNER_|GITHUB_|VITEST|TEST$|NODE_ENV$|FORCE_COLOR$)/.test(k)) env[k] = v
  }
  return { ...env, NO_COLOR: '1', ...extra }
}
const runner = (args: string[], cwd: string) => execa(process.execPath, [RUNNER_BIN, ...args], { cwd, env: cleanEnv(), extendEnv: false, reject: false, all: true })
/** The plugin's one command. */
const npmTest = (cwd: string) => execa('npm', ['test'], { cwd, env: cleanEnv({ RUNNER_FEATURES_CLI: RUNNER_BIN }), extendEnv: false, reject: false, all: true, timeout: 240_000 })

/** Lines of the `runner.feature` block: the whole declaration of a declarative plugin. */
function declarationLines(packageJson: string): number {
  const lines = packageJson.split('\n')
  const start = lines.findIndex((l) => /^\s*"feature": \{$/.test(l))
  const indent = lines[start]!.search(/\S/)
  const end = lines.findIndex((l, i) => i > start && l.search(/\S/) === indent && l.trim().startsWith('}'))
  return end - start + 1
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rf-new-'))
})
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

describe('runner features new', () => {
  test('into plugins/ of a monorepo copy: ≤ 20 lines of declaration, discovered with no edit outside the folder, green in one command', async () => {
    // A copy of the monorepo's top level; packages/, scripts/ and node_modules/ are the real ones (read only).
    const repo = join(work, 'repo')
    await mkdir(join(repo, 'plugins'), { recursive: true })
    for (const f of ['pnpm-workspace.yaml', 'package.json', 'vitest.config.ts']) await cp(join(REPO, f), join(repo, f))
    for (const d of ['packages', 'scripts', 'node_modules']) await symlink(join(REPO, d), join(repo, d))

    const res = await runner(['features', 'new', 'demo-tool', '--source', 'github-release', '--repo', 'acme/demo-tool', '--json'], repo)
    expect(res.exitCode, res.all).toBe(0)
    const dir = join(repo, 'plugins', 'demo-tool')
    expect(JSON.parse(res.stdout)).toMatchObject({ id: 'demo-tool', name: '@runner-features/demo-tool', mode: 'monorepo', dir })
    expect((await readdir(join(repo, 'plugins')))).toEqual(['demo-tool'])
    expect((await readdir(dir, { recursive: true })).sort()).toEqual([
      'CHANGELOG.md', 'README.md', 'fixtures', 'fixtures/README.md', 'fixtures/mirror.ts', 'fixtures/releases.json', 'package.json',
      'test', 'test/demo-tool.e2e.test.ts', 'test/demo-tool.test.ts',
    ])
    const pkgText = await readFile(join(dir, 'package.json'), 'utf8')
    expect(declarationLines(pkgText)).toBeLessThanOrEqual(20)
    expect(JSON.parse(pkgText)).toMatchObject({ oclif: {}, devDependencies: { '@runner-features/kit': 'workspace:*' }, runner: { feature: { id: 'demo-tool', source: { type: 'github-release', repo: 'acme/demo-tool' } } } })

    // Registration and fixtures are derived from the folders: the new plugin is in both, nothing else edited.
    const { pluginFolders } = createRequire(import.meta.url)(join(REPO, 'scripts', 'register-plugins.cjs')) as { pluginFolders(root: string): string[] }
    expect(pluginFolders(repo)).toEqual(['@runner-features/demo-tool'])
    expect([...pluginFixtures(repo).keys()]).toEqual(['demo-tool'])

    const green = await npmTest(dir)
    expect(green.exitCode, green.all).toBe(0)
    expect(green.all).toMatch(/Tests\s+\S*\s*5 passed/)
  })

  test('standalone (--dir outside the repo): the kit from npm, green in one command once installed', async () => {
    const dir = join(work, 'standalone', 'runner-feature-demo-tool')
    const res = await runner(['features', 'new', 'demo-tool', '--repo', 'acme/demo-tool', '--scope', '@acme', '--dir', dir], work)
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain(`wrote @acme/runner-feature-demo-tool (standalone) into ${dir}`)
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
    const kit = JSON.parse(await readFile(join(REPO, 'packages', 'kit', 'package.json'), 'utf8'))
    expect(pkg.devDependencies).toEqual({ '@runner-features/kit': `^${kit.version}`, vitest: expect.stringMatching(/^\^\d/) })
    expect(pkg.scripts.build).not.toContain('../../')
    // `npm install` would fetch the published kit; the registry is not reachable from tests, so
    // this monorepo's kit (the same package) and vitest stand in for it.
    await mkdir(join(dir, 'node_modules', '@runner-features'), { recursive: true })
    await mkdir(join(dir, 'node_modules', '.bin'))
    await symlink(join(REPO, 'packages', 'kit'), join(dir, 'node_modules', '@runner-features', 'kit'))
    await symlink(join(REPO, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'))
    await symlink('../vitest/vitest.mjs', join(dir, 'node_modules', '.bin', 'vitest'))
    const green = await npmTest(dir)
    expect(green.exitCode, green.all).toBe(0)
    expect(green.all).toMatch(/Tests\s+\S*\s*5 passed/)
  })

  test.each([
    [['features', 'new', 'Demo_Tool', '--repo', 'acme/x'], '<id> (argument)'],
    [['features', 'new', 'demo-tool'], '--repo'],
    [['features', 'new', 'demo-tool', '--repo', 'not a repo'], '--repo'],
    [['features', 'new', 'demo-tool', '--repo', 'acme/x', '--scope', 'acme'], '--scope'],
  ])('%j is INVALID_ARGUMENT naming %s, and writes nothing', async (args, where) => {
    const cwd = await mkdtemp(join(work, 'bad-'))
    const res = await runner([...args, '--json'], cwd)
    expect(res.exitCode).toBe(1)
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'INVALID_ARGUMENT', where, hint: expect.any(String) })
    expect(await readdir(cwd)).toEqual([])
  })

  test('a non-empty target folder is refused and left as it was', async () => {
    const dir = await mkdtemp(join(work, 'taken-'))
    await writeFile(join(dir, 'keep.txt'), 'mine')
    const res = await runner(['features', 'new', 'demo-tool', '--repo', 'acme/x', '--dir', dir], work)
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain('INVALID_ARGUMENT')
    expect(await readdir(dir)).toEqual(['keep.txt'])
  })
})
