import { mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { execa } from 'execa'
import { parse } from 'yaml'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { generateTestKey, detachedSignature, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox, type Sandbox } from '../../../packages/cli/test/helpers.js'
import { AWS_CLI_VERSION as V, mirror as buildAwsMirror, type AwsCliMirror } from '../fixtures/mirror.ts'

// The aws-cli feature end to end: the built `runner` against a 127.0.0.1 mirror in
// awscli.amazonaws.com's layout (stand-in zip signed with the fixture mirrors' TEST key, which the
// sandbox trusts via RUNNER_FEATURES_TRUSTED_KEYS): lock checks the signature over the zip and pins
// its sha256, install verifies it and runs the zip's own installer as a post-install step.

let mirror: AwsCliMirror
let server: MirrorServer
const boxes: Sandbox[] = []
const UP = `https://awscli.amazonaws.com/awscli-exe-linux-x86_64-${V}.zip`

beforeAll(async () => {
  mirror = await buildAwsMirror()
  server = await startMirrorServer(mirror.root)
})
afterAll(async () => {
  await server?.close()
})
afterEach(async () => {
  server.resetRequests()
  server.clearOverrides()
  await Promise.all(boxes.splice(0).map((b) => b.cleanup()))
})

async function repo(): Promise<{ b: Sandbox; lock: string; run: (args: string[]) => ReturnType<Sandbox['runner']> }> {
  const b = await sandbox({ RUNNER_FEATURES_MIRROR_AWS_CLI: server.url })
  boxes.push(b)
  const dir = join(b.dir, 'repo')
  await mkdir(join(dir, '.github'), { recursive: true })
  await writeFile(join(dir, '.github', 'runner-config.yml'), 'features:\n  - aws-cli\n')
  return { b, lock: join(dir, '.github', 'runner-features.lock'), run: (args) => b.runner(args, { cwd: dir }) }
}

describe('aws-cli: signature over the zip, sha256 pinned in the lock, bundled installer', () => {
  test('lock verifies the .sig and pins the sha256; install runs aws/install into the tool cache, links aws, smoke-tests and lists it', async () => {
    const r = await repo()
    const locked = await r.run(['features', 'lock'])
    expect(locked.exitCode, locked.all).toBe(0)
    const lock = parse(await readFile(r.lock, 'utf8')) as { features: Record<string, { version: string; platforms: Record<string, unknown> }> }
    expect(lock.features['aws-cli']!.version).toBe(V)
    const zipSha = createHash('sha256').update(await readFile(join(mirror.root, mirror.zip))).digest('hex')
    expect(lock.features['aws-cli']!.platforms['linux-x64']).toMatchObject({ url: UP, sha256: zipSha, archive: 'zip' })
    expect(server.requests.map((q) => `${q.method} ${q.path}`)).toEqual(expect.arrayContaining([`GET /${mirror.zip}`, `GET /${mirror.zip}.sig`]))

    const res = await r.run(['features', 'install', '--frozen'])
    expect(res.exitCode, res.all).toBe(0)
    const dir = join(r.b.toolCache, 'aws-cli', V, 'x64')
    expect((await readdir(join(r.b.toolCache, 'aws-cli', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await readdir(dir)).sort()).toEqual(['aws', 'aws-cli', 'bin'])
    expect(await readlink(join(dir, 'aws-cli', 'v2', 'current'))).toBe(V)
    expect((await execa(join(r.b.binDir, 'aws'), ['--version'])).stdout).toContain(`aws-cli/${V} `)
    const list = JSON.parse((await r.b.runner(['features', 'list', '--json'])).stdout)
    expect(list.installed.find((x: { id: string }) => x.id === 'aws-cli')).toMatchObject({ version: V, arch: 'x64', sourceUrl: UP })
  })

  test('a zip signed by a key nobody trusts fails the lock with SIGNATURE_INVALID; no lock is written', async () => {
    const r = await repo()
    const other = await generateTestKey()
    server.override(`/${mirror.zip}.sig`, Buffer.from(await detachedSignature(await readFile(join(mirror.root, mirror.zip)), other.privateKey, true)))
    const res = await r.run(['features', 'lock'])
    expect(res.exitCode).toBe(1)
    expect(res.all).toContain('SIGNATURE_INVALID')
    expect(res.all).toContain('not trusted')
    await expect(readFile(r.lock)).rejects.toThrow()
  })

  test('a zip changed after signing fails the lock (the signature covers the bytes)', async () => {
    const r = await repo()
    server.override(`/${mirror.zip}`, Buffer.concat([await readFile(join(mirror.root, mirror.zip)), Buffer.from('tampered')]))
    const res = await r.run(['features', 'lock'])
    expect(res.exitCode).toBe(1)
    expect(res.all).toMatch(/SIGNATURE_INVALID.*does not verify/)
  })

  test('a command-line install (no lock) verifies the signature over the zip itself, then installs; an untrusted signer installs nothing', async () => {
    const b = await sandbox({ RUNNER_FEATURES_MIRROR_AWS_CLI: server.url })
    boxes.push(b)
    const res = await b.runner(['features', 'install', 'aws-cli'])
    expect(res.exitCode, res.all).toBe(0)
    expect(server.requests.map((q) => `${q.method} ${q.path}`)).toEqual(expect.arrayContaining([`GET /${mirror.zip}`, `GET /${mirror.zip}.sig`]))
    expect((await execa(join(b.binDir, 'aws'), ['--version'])).stdout).toContain(`aws-cli/${V} `)

    const other = await sandbox({ RUNNER_FEATURES_MIRROR_AWS_CLI: server.url })
    boxes.push(other)
    const stranger = await generateTestKey()
    server.override(`/${mirror.zip}.sig`, Buffer.from(await detachedSignature(await readFile(join(mirror.root, mirror.zip)), stranger.privateKey, true)))
    const bad = await other.runner(['features', 'install', 'aws-cli'])
    expect(bad.exitCode).toBe(1)
    expect(bad.all).toContain('SIGNATURE_INVALID')
    expect(await readdir(join(other.toolCache, 'aws-cli')).catch(() => [])).toEqual([])
    expect(await readdir(other.binDir).catch(() => [])).toEqual([])
  })
})
