import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { RunnerError, featureFromPackage, platformMatrixMarkdown } from '@runner-features/core'
// Inlined at build time: the kit and vitest versions this CLI was released with, which a
// standalone plugin depends on from npm.
import kitPkg from '../../../kit/package.json' with { type: 'json' }
import rootPkg from '../../../../package.json' with { type: 'json' }
import {
  changelog, e2eTest, featureBlock, fixturesReadme, mirrorTs, packageJson, readme, releasesJson, unitTest, type NewFeatureSpec,
} from './new-feature-templates.js'

export interface NewFeatureOptions {
  id: string
  source: 'github-release'
  repo?: string
  /** npm scope (`@acme`): the package becomes `@acme/runner-feature-<id>`. */
  scope?: string
  /** The plugin folder to write; default `<repo>/plugins/<id>` inside this monorepo, else `./<id>`. */
  dir?: string
  cwd: string
}

export interface NewFeatureResult {
  id: string
  name: string
  dir: string
  mode: NewFeatureSpec['mode']
  files: string[]
  /** The one command that builds the plugin and runs its tests, and where to run it. */
  test: { cwd: string; command: string }
}

/** The runner-features monorepo holding `from`, if any: pnpm-workspace.yaml, plugins/ and the kit. */
export function findMonorepo(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(join(dir, 'packages', 'kit', 'package.json')) && existsSync(join(dir, 'plugins'))) return dir
    if (dirname(dir) === dir) return undefined
  }
}

function checkArguments(opts: NewFeatureOptions): { repo: string } {
  if (!/^[a-z][a-z0-9-]*$/.test(opts.id)) {
    throw new RunnerError('INVALID_ARGUMENT', `"${opts.id}" is not a feature id`, { where: '<id> (argument)', hint: 'use lower-case letters, digits and dashes, starting with a letter (e.g. demo-tool)' })
  }
  if (!opts.repo) {
    throw new RunnerError('INVALID_ARGUMENT', `--source ${opts.source} needs the GitHub repository`, { where: '--repo', hint: `runner features new ${opts.id} --source github-release --repo <owner>/<name>` })
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(opts.repo)) {
    throw new RunnerError('INVALID_ARGUMENT', `"${opts.repo}" is not a GitHub repository`, { where: '--repo', hint: 'give it as owner/name, e.g. mikefarah/yq' })
  }
  if (opts.scope !== undefined && !/^@[a-z0-9][a-z0-9._-]*$/.test(opts.scope)) {
    throw new RunnerError('INVALID_ARGUMENT', `"${opts.scope}" is not an npm scope`, { where: '--scope', hint: 'give it as @name, e.g. @acme' })
  }
  return { repo: opts.repo }
}

/**
 * Where the plugin goes and how it is built: under `<monorepo>/plugins/` it uses the workspace kit
 * and the repository's vitest config; anywhere else it is a standalone package with the kit from npm.
 */
function locate(opts: NewFeatureOptions): { dir: string; mode: NewFeatureSpec['mode']; repoRoot?: string } {
  const repoRoot = findMonorepo(opts.cwd)
  const dir = opts.dir ? resolve(opts.cwd, opts.dir) : repoRoot ? join(repoRoot, 'plugins', opts.id) : resolve(opts.cwd, opts.id)
  const parentRepo = basename(dirname(dir)) === 'plugins' ? findMonorepo(dirname(dir)) : undefined
  const inPlugins = parentRepo !== undefined && dirname(dir) === join(parentRepo, 'plugins')
  if (inPlugins && basename(dir) !== opts.id) {
    throw new RunnerError('INVALID_ARGUMENT', `a bundled plugin's folder must be named after its feature id (${opts.id}), not ${basename(dir)}`, { where: '--dir', hint: `use --dir ${join(dirname(dir), opts.id)}` })
  }
  if (existsSync(dir) && readdirSync(dir).length) {
    throw new RunnerError('INVALID_ARGUMENT', `${dir} already exists and is not empty; nothing was written`, { where: '--dir', hint: 'pick another --dir or feature id, or remove the folder' })
  }
  return inPlugins ? { dir, mode: 'monorepo', repoRoot: parentRepo } : { dir, mode: 'standalone' }
}

/**
 * `runner features new <id> --source github-release --repo owner/name`: writes a plugin package
 * (package.json with the oclif and `runner.feature` blocks, README with its platform matrix,
 * CHANGELOG, fixture, unit/contract and end-to-end tests) that builds and passes its tests with one
 * command. The folder is written in a staging dir next to it and renamed into place, so a failure
 * leaves nothing half-written.
 */
export async function newFeature(opts: NewFeatureOptions): Promise<NewFeatureResult> {
  const { repo } = checkArguments(opts)
  const { dir, mode, repoRoot } = locate(opts)
  const name = opts.scope ? `${opts.scope}/runner-feature-${opts.id}` : mode === 'monorepo' ? `@runner-features/${opts.id}` : `runner-feature-${opts.id}`
  const spec: NewFeatureSpec = { id: opts.id, name, repo, mode, kitRange: `^${kitPkg.version}`, vitestRange: rootPkg.devDependencies.vitest }
  // The generated block goes through the same schema as every plugin's: a scaffold that would not
  // load is a bug here, reported as such rather than written.
  const feature = featureFromPackage({ name, runner: { feature: featureBlock(spec) } })
  const files: Record<string, string> = {
    'package.json': packageJson(spec),
    'README.md': readme(spec, platformMatrixMarkdown(feature)),
    'CHANGELOG.md': changelog(spec),
    'fixtures/README.md': fixturesReadme(spec),
    'fixtures/releases.json': releasesJson(spec),
    'fixtures/mirror.ts': mirrorTs(spec),
    [`test/${opts.id}.test.ts`]: unitTest(spec),
    [`test/${opts.id}.e2e.test.ts`]: e2eTest(spec),
  }
  await mkdir(dirname(dir), { recursive: true })
  const staging = join(dirname(dir), `.${basename(dir)}.new-${randomBytes(4).toString('hex')}`)
  try {
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(staging, file)), { recursive: true })
      await writeFile(join(staging, file), text)
    }
    if (existsSync(dir)) await rm(dir, { recursive: true }) // empty (checked above)
    await rename(staging, dir)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  const test = mode === 'monorepo'
    ? { cwd: repoRoot!, command: `pnpm install && pnpm --filter ${name} test` }
    : { cwd: dir, command: 'npm install && npm test' }
  return { id: opts.id, name, dir, mode, files: Object.keys(files), test: { ...test, cwd: relative(opts.cwd, test.cwd) || '.' } }
}
