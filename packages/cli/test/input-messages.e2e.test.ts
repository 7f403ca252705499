import { afterAll, beforeAll, expect, test } from 'vitest'
import { demoSandbox, type DemoSandbox, type Sandbox } from './helpers.js'

// Bad feature arguments are reported the same way by every command, and the messages issue 17
// listed as wrong say the right thing (help defaults, list --platform, versions columns and JSON).
let demo: DemoSandbox
let b: Sandbox
beforeAll(async () => {
  demo = await demoSandbox((url) => ({ RUNNER_FEATURES_MIRROR_NODEJS: `${url}nodejs/` }))
  b = demo.box
})
afterAll(async () => {
  await demo?.close()
})

test.each([
  ['@', 'no feature id before "@"'],
  ['', 'an empty feature argument'],
  ['../x@1', '"../x" is not a feature id'],
])('%j is INVALID_SPEC on install and uninstall alike, before any request', async (arg, message) => {
  demo.server.resetRequests()
  for (const cmd of ['install', 'uninstall']) {
    const res = await b.runner(['features', cmd, arg])
    expect(res.exitCode, res.all).toBe(1)
    expect(res.stderr).toContain(`error INVALID_SPEC: ${arg} (argument): ${message}`)
    expect(res.stderr).not.toContain('did you mean common-utils')
  }
  expect(demo.server.requests).toHaveLength(0)
})

test('NodeJS@20 gets a did-you-mean by case', async () => {
  const res = await b.runner(['features', 'install', 'NodeJS@20'])
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toContain('hint: feature ids are lower-case: did you mean nodejs@20?')
})

test('a 5,000-character id is not echoed whole', async () => {
  const res = await b.runner(['features', 'install', `${'x'.repeat(5000)}@1`])
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toContain('error UNKNOWN_FEATURE')
  expect(res.stderr).toContain('… (5002 characters)')
  expect(res.stderr.length).toBeLessThan(1000)
})

test('help shows no empty default for --mirror', async () => {
  const res = await b.runner(['features', 'install', '--help'])
  expect(res.stdout).toContain('--mirror')
  expect(res.stdout).not.toContain('[default: ]')
})

test('list --platform without --available is an error naming the flag', async () => {
  const res = await b.runner(['features', 'list', '--platform', 'linux-arm64'])
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toMatch(/^error INVALID_ARGUMENT: --platform: .*--available/)
})

test('versions: lts is a string or null in --json; columns terraform has no data for are left out; a prefix filters', async () => {
  const json = JSON.parse((await b.runner(['features', 'versions', 'nodejs', '--json'])).stdout)
  const types = new Set(json.versions.map((v: { lts: unknown }) => (v.lts === null ? 'null' : typeof v.lts)))
  expect([...types].sort()).toEqual(['null', 'string'])
  const tf = await b.runner(['features', 'versions', 'terraform'])
  expect(tf.exitCode, tf.all).toBe(0)
  expect(tf.stdout.split('\n')[0]!.trim()).toBe('VERSION')
  const filtered = await b.runner(['features', 'versions', 'terraform', '1.5'])
  expect(filtered.stdout.split('\n').slice(1).map((l) => l.trim())).toEqual(['1.5.7', '1.5.0'])
  const node20 = JSON.parse((await b.runner(['features', 'versions', 'nodejs', '20', '--json'])).stdout)
  expect(node20.versions.length).toBeGreaterThan(0)
  expect(node20.versions.every((v: { version: string }) => v.version.startsWith('20.'))).toBe(true)
})
