import { afterAll, beforeAll, expect, test } from 'vitest'
import { demoSandbox, type DemoSandbox, type Sandbox } from './helpers.js'

// --quiet / -q on every command: results and errors only.
let demo: DemoSandbox
let b: Sandbox
beforeAll(async () => {
  demo = await demoSandbox()
  b = demo.box
})
afterAll(async () => {
  await demo?.close()
})

test('install -q prints the result and no progress line; without it the progress line is there', async () => {
  const quiet = await b.runner(['features', 'install', 'terraform@1.5.0', '-q', '--refresh'])
  expect(quiet.exitCode, quiet.all).toBe(0)
  expect(quiet.stdout).toContain('terraform@1.5.0 → 1.5.0  installed')
  expect(quiet.stderr).toBe('')
  const loud = await b.runner(['features', 'install', 'terraform@1.5.7', '--refresh'])
  expect(loud.stderr).toContain('terraform: installing 1.5.7 from')
})

test('errors still print under --quiet; --quiet and --verbose together are a usage error', async () => {
  const err = await b.runner(['features', 'install', 'terraform@99', '--quiet'])
  expect(err.exitCode).toBe(1)
  expect(err.stderr).toContain('error VERSION_NOT_FOUND')
  const both = await b.runner(['features', 'list', '--quiet', '--verbose'])
  expect(both.exitCode).toBe(1)
  expect(both.stderr).toMatch(/^error INVALID_ARGUMENT: --/)
})
