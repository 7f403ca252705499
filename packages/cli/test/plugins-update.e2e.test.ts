import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandbox, type Sandbox } from './helpers.js'

// plugins update: nothing to do, a directory install reported (not changed), unknown and bundled
// names as coded errors. (The registry path reuses `plugins install`'s registry code.)
const fixture = fileURLToPath(new URL('./fixtures/hello-plugin', import.meta.url))
let dir: string
let b: Sandbox
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-plugins-update-'))
  b = await sandbox()
})
afterAll(async () => {
  await b?.cleanup()
  await rm(dir, { recursive: true, force: true })
})

test('no user plugins: nothing to update', async () => {
  const res = await b.runner(['plugins', 'update'])
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('no user plugins to update')
})

test('a plugin installed from a directory is reported, not changed; bundled and unknown names are coded errors', async () => {
  const hello = join(dir, 'hello-plugin')
  await cp(fixture, hello, { recursive: true })
  const pkg = join(hello, 'package.json')
  await writeFile(pkg, (await readFile(pkg, 'utf8')).replace('"name": "@acme/runner-feature-hello"', '"name": "@runner-features/test-hello"'))
  expect((await b.runner(['plugins', 'install', hello])).exitCode).toBe(0)
  const res = await b.runner(['plugins', 'update', '--json'])
  expect(res.exitCode, res.all).toBe(0)
  expect(JSON.parse(res.stdout).plugins).toEqual([{ name: '@runner-features/test-hello', id: 'hello', from: '3.1.4', to: null, status: 'not-from-registry' }])
  const bundled = await b.runner(['plugins', 'update', 'nodejs'])
  expect(bundled.exitCode).toBe(1)
  expect(bundled.stderr).toContain('error NOT_INSTALLED: nodejs:')
  expect(bundled.stderr).toContain('bundled with the CLI')
  const unknown = await b.runner(['plugins', 'update', 'nope'])
  expect(unknown.exitCode).toBe(1)
  expect(unknown.stderr).toContain('error NOT_INSTALLED: nope:')
})
