import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandbox, type Sandbox } from './helpers.js'

let b: Sandbox
beforeAll(async () => { b = await sandbox() })
afterAll(async () => b.cleanup())

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

test('--version prints name/version, platform and node like oclif', async () => {
  const res = await b.runner(['--version'])
  expect(res.exitCode).toBe(0)
  expect(res.stdout).toBe(`@runner-features/cli/${pkg.version} linux-x64 node-${process.version}`)
})

test('--help lists the features and plugins topics; command help shows flags and examples', async () => {
  const top = await b.runner(['--help'])
  expect(top.exitCode, top.all).toBe(0)
  expect(top.stdout).toMatch(/features/)
  expect(top.stdout).toMatch(/plugins/)
  const install = await b.runner(['features', 'install', '--help'])
  expect(install.exitCode, install.all).toBe(0)
  for (const flag of ['--dry-run', '--mirror', '--bin-dir', '--json', '--jobs']) expect(install.stdout).toContain(flag)
  expect(install.stdout).toContain('runner features install nodejs@20 terraform@1.5.0')
})

test('features list works on an empty machine and shows bundled plugins with their versions', async () => {
  const res = await b.runner(['features', 'list'])
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('Installed: none yet')
  expect(res.stdout).toMatch(/nodejs\s+@runner-features\/nodejs\s+\d+\.\d+\.\d+\s+bundled/)
  expect(res.stdout).toMatch(/terraform\s+@runner-features\/terraform\s+\d+\.\d+\.\d+\s+bundled/)
})

test('list --available answers from the declared platform matrices, for this or another platform', async () => {
  const musl = JSON.parse((await b.runner(['features', 'list', '--available', '--platform', 'linux-arm64-musl', '--distro', 'alpine@3.20', '--json'])).stdout)
  expect(musl.platform).toEqual({ key: 'linux-arm64-musl', distro: 'alpine@3.20', family: 'alpine' })
  const ids = (r: { available: { id: string }[] }) => r.available.map((p) => p.id).sort()
  // Other bundled plugins come and go; these four are the ones the assertions are about.
  expect(ids(musl)).toEqual(expect.arrayContaining(['common-utils', 'python', 'terraform']))
  expect(ids(musl)).not.toContain('nodejs')
  expect(musl.unsupported).toContainEqual({ id: 'nodejs', supports: expect.stringContaining('glibc') })
  const oldUbuntu = JSON.parse((await b.runner(['features', 'list', '--available', '--platform', 'linux-x64', '--distro', 'ubuntu@18.04', '--json'])).stdout)
  // Ubuntu 18.04 is older than common-utils' package matrix, but python's relocatable builds run there.
  expect(ids(oldUbuntu)).toEqual(expect.arrayContaining(['nodejs', 'python', 'terraform']))
  expect(ids(oldUbuntu)).not.toContain('common-utils')
  const text = await b.runner(['features', 'list', '--available', '--platform', 'linux-x64', '--distro', 'ubuntu@24.04'])
  expect(text.stdout).toContain('Available on linux-x64 (ubuntu@24.04, debian family):')
  const bad = await b.runner(['features', 'list', '--available', '--platform', 'windows-x64'])
  expect(bad.stderr).toContain('error INVALID_ARGUMENT: --platform')
})

test('install with no arguments and no team config, and unknown flags, are coded errors', async () => {
  const none = await b.runner(['features', 'install'], { cwd: b.dir })
  expect(none.exitCode).toBe(1)
  expect(none.stderr).toContain('error CONFIG_NOT_FOUND')
  expect(none.stderr).toContain('runner features install nodejs@20')
  const json = await b.runner(['features', 'install', '--json'], { cwd: b.dir })
  expect(JSON.parse(json.stdout).error.code).toBe('CONFIG_NOT_FOUND')
  const badMirror = await b.runner(['features', 'install', 'nodejs@20', '--mirror', 'nodejs'])
  expect(badMirror.stderr).toContain('error INVALID_MIRROR: --mirror')
})

test('a corrupt state manifest is reported with a hint and left alone', async () => {
  const { mkdir, writeFile } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const c = await sandbox()
  try {
    await mkdir(join(c.toolCache, '.runner-features'), { recursive: true })
    await writeFile(join(c.toolCache, '.runner-features', 'state.json'), 'not json')
    const res = await c.runner(['features', 'list'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain('error STATE_CORRUPT')
    expect(res.stderr).toContain('hint:')
    expect(readFileSync(join(c.toolCache, '.runner-features', 'state.json'), 'utf8')).toBe('not json')
  } finally {
    await c.cleanup()
  }
})
