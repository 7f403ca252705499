import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from './helpers.js'

// Two plugins expose an executable of the same name: the second does not silently take over the
// link the first one made (BIN_CONFLICT, rolled back), and versions of one tool still switch.
const fixture = fileURLToPath(new URL('./fixtures/hello-plugin', import.meta.url))
let dir: string
let server: MirrorServer
let b: Sandbox

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-binconflict-'))
  const upstream = join(dir, 'upstream')
  const script = '#!/bin/sh\necho "hello 2.0.0"\n'
  await mkdir(join(upstream, '2.0.0'), { recursive: true })
  await writeFile(join(upstream, 'index.json'), JSON.stringify({ versions: ['1.0.0', '2.0.0'] }))
  await writeFile(join(upstream, '2.0.0', 'hello'), script)
  await writeFile(join(upstream, '2.0.0', 'SHA256SUMS'), `${createHash('sha256').update(script).digest('hex')}  hello\n`)
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
  b = await sandbox({ RUNNER_FEATURES_MIRROR_HELLO: server.url, RUNNER_FEATURES_MIRROR_HOLA: server.url })
  for (const p of [hello, hola]) {
    const res = await b.runner(['plugins', 'install', p])
    expect(res.exitCode, res.all).toBe(0)
  }
})
afterAll(async () => {
  await server?.close()
  await b?.cleanup()
  await rm(dir, { recursive: true, force: true })
})

test('a second feature exposing the same executable is BIN_CONFLICT; the first keeps its link; nothing of the second stays', async () => {
  expect((await b.runner(['features', 'install', 'hello@2'])).exitCode).toBe(0)
  const link = join(b.binDir, 'hello')
  expect(await readlink(link)).toBe(join(b.toolCache, 'hello', '2.0.0', 'x64', 'hello'))
  const res = await b.runner(['features', 'install', 'hola@2'])
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toContain(`error BIN_CONFLICT: ${link}: ${link} is linked to hello's hello`)
  expect(await readlink(link)).toBe(join(b.toolCache, 'hello', '2.0.0', 'x64', 'hello'))
  const installed = JSON.parse((await b.runner(['features', 'list', '--json'])).stdout).installed.map((r: { id: string }) => r.id)
  expect(installed).toEqual(['hello'])
  // Without linking it installs fine.
  expect((await b.runner(['features', 'install', 'hola@2', '--no-link'])).exitCode).toBe(0)
})
