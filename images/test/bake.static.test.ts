// images/docker-bake.hcl checked without buildx (CI has no buildx plugin, so `docker buildx bake
// --print` cannot run): the file is parsed by a real HCL parser (helpers/bake.ts), inheritance and
// variables are resolved as bake does, and every image target is checked against the files it
// would build from. The checks are one function so a broken bake file can be shown to fail them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dockerfileArgs, loadBake, type Bake, type BakeTarget } from './helpers/bake.js'
import { repo } from './helpers/env.js'

const bakeFile = join(repo, 'images', 'docker-bake.hcl')
const prepareContext = readFileSync(join(repo, 'images', 'scripts', 'prepare-context.mjs'), 'utf8')

/** prepare-context.mjs's default --out, relative to the repo (bake runs from the repo root). */
function preparedContextDir(): string {
  const m = /out: \{ type: 'string', default: join\(repo, ([^)]*)\) \}/.exec(prepareContext)
  if (!m) throw new Error('prepare-context.mjs: default --out not found')
  return m[1]!.split(',').map((s) => s.trim().replace(/^'(.*)'$/, '$1')).join('/')
}

/**
 * What prepare-context puts at the top of a context: a copy of images/ and the dirs it creates.
 * A COPY source outside these would fail the build with "not found".
 */
const CONTEXT_DIRS = ['images', ...['cli', 'vendor', 'plugins'].filter((d) => prepareContext.includes(`join(staging, '${d}'`))]

/** Feature id → the docker platforms its plugin declares for Linux (plugins/<dir>/package.json `runner.feature.platforms`). */
function featurePlatforms(): Map<string, string[]> {
  const docker: Record<string, string> = { x64: 'linux/amd64', arm64: 'linux/arm64' }
  const found = new Map<string, string[]>()
  for (const dir of readdirSync(join(repo, 'plugins'))) {
    const file = join(repo, 'plugins', dir, 'package.json')
    if (!existsSync(file)) continue
    const feature = JSON.parse(readFileSync(file, 'utf8')).runner?.feature as { id: string; platforms?: { os: string; arch: string[] }[] } | undefined
    if (!feature) continue
    found.set(feature.id, (feature.platforms ?? []).filter((p) => p.os === 'linux').flatMap((p) => p.arch.map((a) => docker[a]).filter((d): d is string => d !== undefined)))
  }
  return found
}

/**
 * The platforms a target must build for: amd64 and arm64, except that a variant (VARIANT_FEATURES)
 * can only build where every one of its features' plugins installs (chrome: amd64 only).
 */
function wantedPlatforms(t: BakeTarget, where: string, problems: string[]): string[] {
  let wanted = ['linux/amd64', 'linux/arm64']
  const plugins = featurePlatforms()
  for (const spec of (t.args.VARIANT_FEATURES ?? '').split(/[\s,]+/).filter(Boolean)) {
    const id = spec.split('@')[0]!
    const platforms = plugins.get(id)
    if (!platforms) problems.push(`${where}: feature ${id} has no plugin under plugins/`)
    else wanted = wanted.filter((p) => platforms.includes(p))
  }
  for (const p of t.platforms ?? []) if (!wanted.includes(p)) problems.push(`${where}: ${p} is not supported by every feature of VARIANT_FEATURES "${t.args.VARIANT_FEATURES}"`)
  return wanted
}

/** Everything wrong with the image targets of a resolved bake file, as readable sentences. */
function bakeProblems(bake: Bake): string[] {
  const problems: string[] = []
  const context = preparedContextDir()
  for (const [group, targets] of Object.entries(bake.groups)) {
    for (const t of targets) if (!bake.targets[t]) problems.push(`group ${group}: target ${t} is not defined`)
  }
  // Targets named _x are bake's convention for abstract parents (only inherited from).
  for (const t of Object.values(bake.targets).filter((x) => !x.name.startsWith('_'))) {
    const where = `target ${t.name}`
    if (t.context !== context) problems.push(`${where}: context ${t.context} is not prepare-context's output ${context}`)
    for (const p of wantedPlatforms(t, where, problems)) if (!t.platforms?.includes(p)) problems.push(`${where}: platforms ${JSON.stringify(t.platforms ?? [])} lack ${p}`)
    // The context holds a copy of images/, so a dockerfile inside the context is the repo's file.
    const dockerfile = t.dockerfile === undefined ? undefined : readRepoFile(t.dockerfile)
    if (dockerfile === undefined || !t.dockerfile!.startsWith('images/')) {
      problems.push(`${where}: dockerfile ${t.dockerfile} is not an images/ file in the context`)
      continue
    }
    const declared = dockerfileArgs(dockerfile)
    for (const arg of Object.keys(t.args)) if (!declared.has(arg)) problems.push(`${where}: build arg ${arg} is not declared by ARG in ${t.dockerfile}`)
    for (const m of dockerfile.matchAll(/^(?:COPY|ADD)\s+(?!.*--from)(?:--\S+\s+)*(\S+)\s/gm)) {
      const src = m[1]!
      const top = src.split('/')[0]!
      if (!CONTEXT_DIRS.includes(top)) problems.push(`${where}: ${t.dockerfile} copies ${src}, which prepare-context does not make`)
      else if (top === 'images' && !existsSync(join(repo, src))) problems.push(`${where}: ${t.dockerfile} copies ${src}, which does not exist`)
    }
    // A named context (contexts = { base = "target:base" }) only takes effect where a FROM names it.
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!.replace(/\$\{(\w+)\}/g, (_, a: string) => t.args[a] ?? declared.get(a) ?? ''))
    for (const [name, value] of Object.entries(t.contexts)) {
      if (!froms.includes(name)) problems.push(`${where}: context ${name} is not used by any FROM of ${t.dockerfile} (FROM ${froms.join(', ')})`)
      const ref = /^target:(.+)$/.exec(value)?.[1]
      if (ref !== undefined && !bake.targets[ref]) problems.push(`${where}: context ${name} = ${value}: no such target`)
    }
  }
  return problems
}

/**
 * Variants of the bake group `variants` that the image tests do not build for one of their
 * platforms. The tests name a target as `buildVariant('<name>'` (amd64) or `targets['<name>']` (arm64).
 */
function variantsNotBuilt(bake: Bake, amd64Test: string, arm64Test: string): string[] {
  const missing: string[] = []
  for (const name of bake.groups.variants ?? []) {
    const platforms = bake.targets[name]?.platforms ?? []
    if (platforms.includes('linux/amd64') && !amd64Test.includes(`buildVariant('${name}'`)) missing.push(`${name}: linux/amd64 not built by images.test.ts`)
    if (platforms.includes('linux/arm64') && !arm64Test.includes(`targets['${name}']`)) missing.push(`${name}: linux/arm64 not built by arm64-image.test.ts`)
  }
  return missing
}

/** A repo file's text, or undefined when it is missing or not a file. */
function readRepoFile(path: string): string | undefined {
  const file = join(repo, path)
  return existsSync(file) && statSync(file).isFile() ? readFileSync(file, 'utf8') : undefined
}

describe('docker-bake.hcl, parsed and resolved without buildx', () => {
  it('every image target builds from an existing Dockerfile in the prepared context, for amd64 and arm64, with only declared build args', async () => {
    const bake = await loadBake(readFileSync(bakeFile, 'utf8'))
    expect(Object.keys(bake.targets)).toEqual(expect.arrayContaining(['base', 'base-debian', 'base-ubi', 'base-rocky', 'server-run', 'server-run-rhel', 'gpu']))
    expect(bakeProblems(bake)).toEqual([])
  })

  it('resolves inheritance and variables as bake does', async () => {
    const bake = await loadBake(readFileSync(bakeFile, 'utf8'))
    expect(bake.targets['base-rocky']).toMatchObject({
      dockerfile: 'images/base/Dockerfile', context: '.cache/images/context', platforms: ['linux/amd64', 'linux/arm64'],
      args: { BASE_IMAGE: 'docker.io/rockylinux/rockylinux:9', IMAGE_OS: 'rocky9', RUNNER_VERSION: '2.329.0' },
      tags: ['ghcr.io/acme/runner-features/base:latest-rocky9'],
    })
    expect(bake.targets['server-run-rhel']).toMatchObject({ dockerfile: 'images/server-run/Dockerfile', contexts: { base: 'target:base-rocky' }, args: { BASE_IMAGE: 'base' } })
    expect(bake.groups.default).toEqual(['base', 'server-run'])
  })

  it('variants go, chrome and chrome-go: the base plus features, for every platform their plugins support', async () => {
    const bake = await loadBake(readFileSync(bakeFile, 'utf8'))
    expect(bake.groups.variants).toEqual(['go', 'chrome', 'chrome-go'])
    const variant = { dockerfile: 'images/variant/Dockerfile', contexts: { base: 'target:base' } }
    expect(bake.targets.go).toMatchObject({ ...variant, platforms: ['linux/amd64', 'linux/arm64'], args: { BASE_IMAGE: 'base', VARIANT_FEATURES: 'go' } })
    // Chrome for Testing has no linux arm64 build: the chrome plugin declares x64 only.
    expect(bake.targets.chrome).toMatchObject({ ...variant, platforms: ['linux/amd64'], args: { VARIANT_FEATURES: 'chrome' } })
    expect(bake.targets['chrome-go']).toMatchObject({ ...variant, platforms: ['linux/amd64'], args: { VARIANT_FEATURES: 'chrome go' }, tags: ['ghcr.io/acme/runner-features/chrome-go:latest'] })
    expect(featurePlatforms().get('chrome')).toEqual(['linux/amd64'])
  })

  it('every variant is built and run by the image tests: all on amd64 (images.test.ts), those with linux/arm64 on arm64 too (arm64-image.test.ts)', async () => {
    const bake = await loadBake(readFileSync(bakeFile, 'utf8'))
    const amd64Test = readFileSync(join(repo, 'images', 'test', 'images.test.ts'), 'utf8')
    const arm64Test = readFileSync(join(repo, 'images', 'test', 'arm64-image.test.ts'), 'utf8')
    expect(variantsNotBuilt(bake, amd64Test, arm64Test)).toEqual([])
    // The check can fail: a variant the tests never build is reported for each platform it lacks.
    const extra = { ...bake, groups: { ...bake.groups, variants: [...bake.groups.variants!, 'node'] }, targets: { ...bake.targets, node: { ...bake.targets.go!, name: 'node' } } }
    expect(variantsNotBuilt(extra, amd64Test, arm64Test)).toEqual(['node: linux/amd64 not built by images.test.ts', 'node: linux/arm64 not built by arm64-image.test.ts'])
  })

  it('reports a broken bake file: undeclared arg, missing platform, missing Dockerfile, unused context, unknown target', async () => {
    const broken = await loadBake([
      'variable "CONTEXT" { default = ".cache/images/context" }',
      'group "default" { targets = ["base", "nope"] }',
      'target "base" {',
      '  context = CONTEXT',
      '  dockerfile = "images/base/Dockerfile"',
      '  platforms = ["linux/amd64"]',
      '  args = { BASE_IMAGE = "debian:bookworm", RUNER_VERSION = "2.329.0" }',
      '  contexts = { other = "target:missing" }',
      '}',
      'target "ghost" {',
      '  inherits = ["base"]',
      '  platforms = ["linux/amd64", "linux/arm64"]',
      '  dockerfile = "images/ghost/Dockerfile"',
      '}',
      'target "chrome-arm" {',
      '  context = CONTEXT',
      '  dockerfile = "images/variant/Dockerfile"',
      '  platforms = ["linux/amd64", "linux/arm64"]',
      '  args = { VARIANT_FEATURES = "chrome nosuchtool@1" }',
      '}',
    ].join('\n'))
    expect(bakeProblems(broken)).toEqual([
      'group default: target nope is not defined',
      'target base: platforms ["linux/amd64"] lack linux/arm64',
      'target base: build arg RUNER_VERSION is not declared by ARG in images/base/Dockerfile',
      'target base: context other is not used by any FROM of images/base/Dockerfile (FROM debian:bookworm, os, os, os)',
      'target base: context other = target:missing: no such target',
      'target chrome-arm: feature nosuchtool has no plugin under plugins/',
      'target chrome-arm: linux/arm64 is not supported by every feature of VARIANT_FEATURES "chrome nosuchtool@1"',
      'target ghost: dockerfile images/ghost/Dockerfile is not an images/ file in the context',
    ])
  })

  it('rejects what buildx rejects: HCL syntax errors, undeclared variables, unknown parents', async () => {
    await expect(loadBake('target "a" {\n  args = {\n')).rejects.toThrow(/Missing expression/)
    await expect(loadBake('target "a" { context = NOPE }')).rejects.toThrow(/\$\{NOPE\} is not a declared variable/)
    await expect(loadBake('target "a" { inherits = ["b"] }')).rejects.toThrow(/target "b" is not defined/)
    await expect(loadBake('target "a" { inherits = ["b"] }\ntarget "b" { inherits = ["a"] }')).rejects.toThrow(/inheritance cycle a → b → a/)
  })
})
