import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from './helpers.js'

// Two plugins expose an executable of the same name: the second does not silently take over the
// link the first one made, and is refused at plan time (BIN_CONFLICT) before its archive is
// requested; versions of one tool still switch.
const fixture = fileURLToPath(new URL('./fixtures/hello-plugin', import.meta.url))
let dir: string
let server: MirrorServer
let plugins: string[]
/** The current test's sandbox (each test gets a fresh one: no download cache or store carried over). */
let b: Sandbox

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-binconflict-'))
  const upstream = join(dir, 'upstream')
  // Each feature has its own upstream and bytes, so neither download cache nor store can stand in
  // for a download of the other: a request for its archive is the only way to get it.
  for (const [sub, script] of [['hello', '#!/bin/sh\necho "hello 2.0.0"\n'], ['hola', '#!/bin/sh\n# hola\necho "hello 2.0.0"\n']]) {
    await mkdir(join(upstream, sub!, '2.0.0'), { recursive: true })
    await writeFile(join(upstream, sub!, 'index.json'), JSON.stringify({ versions: ['1.0.0', '2.0.0'] }))
    await writeFile(join(upstream, sub!, '2.0.0', 'hello'), script!)
    await writeFile(join(upstream, sub!, '2.0.0', 'SHA256SUMS'), `${createHash('sha256').update(script!).digest('hex')}  hello\n`)
  }
  server = await startMirrorServer(upstream)
  // "hola": another feature (own id and tool dir) whose executable is also called `hello`. Both
  // under the @runner-features scope, so no plugin policy is involved.
  const swap = async (file: string, from: RegExp, to: string) => writeFile(file, (await readFile(file, 'utf8')).replace(from, to))
  const hello = join(dir, 'hello-plugin')
  await cp(fixture, hello, { recursive: true })
  await swap(join(hello, 'package.json'), /"name": "@acme\/runner-feature-hello"/, '"name": "@runner-features/test-hello"')
  const hola = join(dir, 'hola-plugin')
  await cp(fixture, hola, { recursive: true })
  await swap(join(hola, 'package.json'), /"name": "@acme\/runner-feature-hello"/, '"name": "@runner-features/test-hola"')
  await swap(join(hola, 'package.json'), /"id": "hello"/, '"id": "hola"')
  await swap(join(hola, 'package.json'), /"toolName": "hello"/, '"toolName": "hola"')
  await swap(join(hola, 'dist', 'index.js'), /id: 'hello'/, "id: 'hola'")
  await swap(join(hola, 'dist', 'index.js'), /toolName: 'hello'/, "toolName: 'hola'")
  plugins = [hello, hola]
})
beforeEach(async () => {
  b = await sandbox({ RUNNER_FEATURES_MIRROR_HELLO: `${server.url}hello/`, RUNNER_FEATURES_MIRROR_HOLA: `${server.url}hola/` })
  for (const p of plugins) {
    const res = await b.runner(['plugins', 'install', p])
    expect(res.exitCode, res.all).toBe(0)
  }
})
afterEach(() => b?.cleanup())
afterAll(async () => {
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

/** Requests for the executable itself (both features download `<version>/hello`); index and checksum reads are not counted. */
const archiveRequests = () => server.requests.filter((r) => r.path.endsWith('/hello')).map((r) => `${r.method} ${r.path}`)
const installedIds = async () => JSON.parse((await b.runner(['features', 'list', '--json'])).stdout).installed.map((r: { id: string }) => r.id)
/** The downloads in the download cache (index responses, kept after a good plan, are not downloads). */
const cached = () => readdir(join(b.cacheDir, 'downloads'), { recursive: true }).catch(() => [])

test('two features of one install exposing the same executable: BIN_CONFLICT before either archive is requested; nothing installed', async () => {
  server.resetRequests()
  const res = await b.runner(['features', 'install', 'hello@2', 'hola@2'])
  const link = join(b.binDir, 'hello')
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toContain(`error BIN_CONFLICT: ${link}: ${link} would be linked to both hello's hello and hola's hello`)
  expect(res.stderr).toContain('hint: install hello and hola in separate runs')
  expect(archiveRequests()).toEqual([])
  expect(await installedIds()).toEqual([])
  expect(await readdir(b.toolCache).catch(() => [])).not.toContain('hola')
})

test('a second feature exposing the same executable is BIN_CONFLICT before its archive is requested; the first keeps its link; nothing of the second stays', async () => {
  expect((await b.runner(['features', 'install', 'hello@2'])).exitCode).toBe(0)
  const link = join(b.binDir, 'hello')
  expect(await readlink(link)).toBe(join(b.toolCache, 'hello', '2.0.0', 'x64', 'hello'))
  const cachedBefore = await cached()
  server.resetRequests()
  const res = await b.runner(['features', 'install', 'hola@2'])
  expect(res.exitCode).toBe(1)
  // The message the link step gave when the conflict was only found after the download.
  expect(res.stderr).toContain(`error BIN_CONFLICT: ${link}: ${link} is linked to hello's hello (${join(b.toolCache, 'hello', '2.0.0', 'x64', 'hello')}); another feature exposes a hello too`)
  expect(archiveRequests()).toEqual([])
  expect(await cached()).toEqual(cachedBefore)
  expect(await readdir(b.toolCache)).not.toContain('hola')
  expect(await readlink(link)).toBe(join(b.toolCache, 'hello', '2.0.0', 'x64', 'hello'))
  expect(await installedIds()).toEqual(['hello'])
  // Without linking it installs fine.
  expect((await b.runner(['features', 'install', 'hola@2', '--no-link'])).exitCode).toBe(0)
})
