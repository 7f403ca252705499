import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { freePort, sandbox, type Sandbox } from './helpers.js'
import { startRegistry, type Registry } from './verdaccio.js'

// plugins update: nothing to do, a directory install reported (not changed), unknown and bundled
// names as coded errors; and the registry path end to end (below).
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

// Against a real npm registry (verdaccio, pinned, 127.0.0.1, no uplinks): the hello test plugin
// published at 1.0.0 and installed, then 1.1.0 published. A policy pinning 1.0.0's bytes refuses the
// update and 1.0.0 keeps working; an unreachable registry changes nothing; then the update moves the
// plugin to 1.1.0 and records the new integrity; a `latest` moved back does not downgrade it.
describe('from a registry', () => {
  const NAME = '@acme/runner-feature-hello'
  let registry: Registry
  let upstream: MirrorServer
  let r: Sandbox

  /** The hello fixture renamed to `version`, published to the test registry. */
  async function publishHello(version: string): Promise<void> {
    const copy = join(dir, `hello-${version}`)
    await cp(fixture, copy, { recursive: true })
    const pkg = join(copy, 'package.json')
    await writeFile(pkg, (await readFile(pkg, 'utf8')).replace('"version": "3.1.4"', `"version": "${version}"`))
    expect(await registry.publish(copy)).toContain(`+ ${NAME}@${version}`)
  }
  const index = async () => JSON.parse(await readFile(join(r.dir, 'plugins', 'package.json'), 'utf8')) as { dependencies: Record<string, string>; runnerFeatures: { integrity: Record<string, string> } }
  const installedVersion = async () => (JSON.parse(await readFile(join(r.dir, 'plugins', 'node_modules', '@acme', 'runner-feature-hello', 'package.json'), 'utf8')) as { version: string }).version
  const listed = async () => {
    const res = await r.runner(['features', 'list', '--json'])
    expect(res.exitCode, res.all).toBe(0)
    return (JSON.parse(res.stdout) as { plugins: { name: string; version: string; origin: string }[] }).plugins.find((p) => p.name === NAME)
  }
  /** Replaces the machine's plugin policy and approves it, as an admin does with `runner plugins allow`. */
  async function policy(line: string): Promise<void> {
    await writeFile(r.env.RUNNER_FEATURES_POLICY!, `plugins:\n  - ${line}\n`)
    const allowed = await r.runner(['plugins', 'allow'])
    expect(allowed.exitCode, allowed.all).toBe(0)
  }

  beforeAll(async () => {
    registry = await startRegistry(join(dir, 'registry'))
    // hello's upstream, so an install proves the plugin still loads and works.
    const script = '#!/bin/sh\necho "hello 2.0.0"\n'
    await mkdir(join(dir, 'upstream', '2.0.0'), { recursive: true })
    await writeFile(join(dir, 'upstream', 'index.json'), JSON.stringify({ versions: ['2.0.0'] }))
    await writeFile(join(dir, 'upstream', '2.0.0', 'hello'), script)
    await writeFile(join(dir, 'upstream', '2.0.0', 'SHA256SUMS'), `${createHash('sha256').update(script).digest('hex')}  hello\n`)
    upstream = await startMirrorServer(join(dir, 'upstream'))
    r = await sandbox({ RUNNER_FEATURES_MIRROR_HELLO: upstream.url, npm_config_registry: registry.url })
  }, 360_000)
  afterAll(async () => {
    await registry?.stop()
    await upstream?.close()
    await r?.cleanup()
  })

  test('1.0.0 installed, 1.1.0 published: a pinning policy refuses the update, an unreachable registry changes nothing, then update moves to 1.1.0 and never back', async () => {
    await publishHello('1.0.0')
    const added = await r.runner(['plugins', 'install', NAME, '--json'])
    expect(added.exitCode, added.all).toBe(0)
    const old = (JSON.parse(added.stdout) as { integrity: string }).integrity
    expect(old).toMatch(/^sha512-/)

    // Nothing newer yet.
    const same = await r.runner(['plugins', 'update'])
    expect(same.exitCode, same.all).toBe(0)
    expect(same.stdout).toBe(`${NAME}: 1.0.0 is the latest`)

    await publishHello('1.1.0')

    // A policy pinning 1.0.0's version and bytes: the update is refused, 1.0.0 stays and works.
    await policy(`{ name: "${NAME}", version: "1.0.0", integrity: "${old}" }`)
    const pinned = await r.runner(['plugins', 'update', 'hello'])
    expect(pinned.exitCode).toBe(1)
    expect(pinned.stderr).toContain(`error PLUGIN_NOT_ALLOWED: ${NAME}`)
    expect(pinned.stderr).toContain('1.1.0')
    expect(pinned.stderr).toContain(`(${NAME}@1.0.0 stays installed, unchanged)`)
    expect(pinned.stderr).toContain('hint:')
    expect(await installedVersion()).toBe('1.0.0')
    expect((await index()).runnerFeatures.integrity[NAME]).toBe(old)
    expect(await listed()).toMatchObject({ version: '1.0.0', origin: 'user' })
    const works = await r.runner(['features', 'install', 'hello@2.0.0'])
    expect(works.exitCode, works.all).toBe(0)
    expect((await execa(join(r.binDir, 'hello'))).stdout).toBe('hello 2.0.0')

    // The registry unreachable (a closed port; its URL carries credentials): a coded error naming
    // the registry with the credentials redacted, nothing changed.
    await policy(`{ name: "${NAME}", version: "^1.0.0" }`)
    const port = await freePort()
    const offline = await r.runner(['plugins', 'update', '--registry', `http://ci:s3cret@127.0.0.1:${port}/`])
    expect(offline.exitCode).toBe(1)
    expect(offline.stderr).toContain(`error PLUGIN_INSTALL_FAILED: ${NAME}@latest: ${NAME} could not be looked up in the registry`)
    expect(offline.stderr).toContain(`ECONNREFUSED 127.0.0.1:${port}`)
    expect(offline.stderr).toContain(`(${NAME}@1.0.0 stays installed, unchanged)`)
    expect(offline.stderr).toContain(`hint: check the name and the registry (http://***@127.0.0.1:${port}/)`)
    expect(offline.all).not.toContain('s3cret')
    const offlineJson = await r.runner(['plugins', 'update', '--registry', `http://127.0.0.1:${port}/`, '--json'])
    expect(offlineJson.exitCode).toBe(1)
    expect(JSON.parse(offlineJson.stdout).error).toMatchObject({ code: 'PLUGIN_INSTALL_FAILED', details: { kept: `${NAME}@1.0.0`, updated: [] } })
    expect(await installedVersion()).toBe('1.0.0')
    expect((await index()).runnerFeatures.integrity[NAME]).toBe(old)

    // The update: 1.1.0 with its own integrity, recorded in the plugins index and shown by features list.
    const updated = await r.runner(['plugins', 'update', '--json'])
    expect(updated.exitCode, updated.all).toBe(0)
    expect(JSON.parse(updated.stdout)).toEqual({ schemaVersion: 1, plugins: [{ name: NAME, id: 'hello', from: '1.0.0', to: '1.1.0', latest: '1.1.0', status: 'updated' }] })
    const after = await index()
    expect(after.dependencies[NAME]).toBe('1.1.0')
    expect(after.runnerFeatures.integrity[NAME]).toMatch(/^sha512-/)
    expect(after.runnerFeatures.integrity[NAME]).not.toBe(old)
    expect(await installedVersion()).toBe('1.1.0')
    expect(await listed()).toMatchObject({ version: '1.1.0', origin: 'user' })
    const human = await r.runner(['features', 'list'])
    expect(human.stdout).toMatch(new RegExp(`hello\\s+${NAME.replace('/', '\\/')}\\s+1\\.1\\.0\\s+user`))

    // `latest` moved back to 1.0.0 (a bad release withdrawn): the update never downgrades.
    const tagged = await execa('npm', ['dist-tag', 'add', `${NAME}@1.0.0`, 'latest', '--registry', registry.url], { env: { npm_config_userconfig: join(dir, 'registry', 'npmrc') }, reject: false, all: true })
    expect(tagged.exitCode, tagged.all).toBe(0)
    const back = await r.runner(['plugins', 'update'])
    expect(back.exitCode, back.all).toBe(0)
    expect(back.stdout).toBe(`${NAME}: 1.1.0 is newer than the registry's latest (1.0.0), left as it is`)
    expect(await installedVersion()).toBe('1.1.0')
    expect((await index()).runnerFeatures.integrity[NAME]).toBe(after.runnerFeatures.integrity[NAME])
  }, 360_000)
})
