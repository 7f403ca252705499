import { readFile, readdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { parse } from 'yaml'
import { describe, expect, test } from 'vitest'
import { sha256Hex } from '@runner-features/kit/testing'
import { generateTestKey, detachedSignature } from '@runner-features/fixture-mirror'
import { AWS_CLI_VERSION as V } from '../fixtures/mirror.ts'
import { awsCliHarness } from './harness.ts'

// The aws-cli feature end to end: the built `runner` against a 127.0.0.1 mirror in
// awscli.amazonaws.com's layout (stand-in zip signed with the fixture mirrors' TEST key, which the
// sandbox trusts via RUNNER_FEATURES_TRUSTED_KEYS): lock checks the signature over the zip and pins
// its sha256, install verifies it and runs the zip's own installer as a post-install step.
const e2e = awsCliHarness()
const UP = `https://awscli.amazonaws.com/awscli-exe-linux-x86_64-${V}.zip`
const zipBytes = () => readFile(join(e2e.mirror.root, e2e.mirror.zip))

/** A fresh sandbox holding a repository whose team config asks for aws-cli. */
const repo = async () => (await e2e.sandbox()).repo('features:\n  - aws-cli\n')

/** Serves a signature over the zip by a key nobody trusts. */
async function signByStranger(): Promise<void> {
  const stranger = await generateTestKey()
  e2e.server.override(`/${e2e.mirror.zip}.sig`, Buffer.from(await detachedSignature(await zipBytes(), stranger.privateKey, true)))
}

describe('aws-cli: signature over the zip, sha256 pinned in the lock, bundled installer', () => {
  test('lock verifies the .sig and pins the sha256; install runs aws/install into the tool cache, links aws, smoke-tests and lists it', async () => {
    const { mirror, server } = e2e
    const b = await e2e.sandbox()
    const r = await b.repo('features:\n  - aws-cli\n')
    const locked = await r.run(['features', 'lock'])
    expect(locked.exitCode, locked.all).toBe(0)
    const lock = parse(await readFile(r.lock, 'utf8')) as { features: Record<string, { version: string; platforms: Record<string, unknown> }> }
    expect(lock.features['aws-cli']!.version).toBe(V)
    expect(lock.features['aws-cli']!.platforms['linux-x64']).toMatchObject({ url: UP, sha256: sha256Hex(await zipBytes()), archive: 'zip' })
    expect(server.requests).toEqual(expect.arrayContaining([`GET /${mirror.zip} 200`, `GET /${mirror.zip}.sig 200`]))

    const res = await r.run(['features', 'install', '--frozen'])
    expect(res.exitCode, res.all).toBe(0)
    const dir = join(b.toolCache, 'aws-cli', V, 'x64')
    expect((await readdir(join(b.toolCache, 'aws-cli', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect((await readdir(dir)).sort()).toEqual(['aws', 'aws-cli', 'bin'])
    expect(await readlink(join(dir, 'aws-cli', 'v2', 'current'))).toBe(V)
    expect((await execa(join(b.binDir, 'aws'), ['--version'])).stdout).toContain(`aws-cli/${V} `)
    const list = JSON.parse((await b.run(['features', 'list', '--json'])).stdout)
    expect(list.installed.find((x: { id: string }) => x.id === 'aws-cli')).toMatchObject({ version: V, arch: 'x64', sourceUrl: UP })
  })

  test('a zip signed by a key nobody trusts fails the lock with SIGNATURE_INVALID; no lock is written', async () => {
    const r = await repo()
    await signByStranger()
    const res = await r.run(['features', 'lock'])
    expect(res.exitCode).toBe(1)
    expect(res.all).toContain('SIGNATURE_INVALID')
    expect(res.all).toContain('not trusted')
    await expect(readFile(r.lock)).rejects.toThrow()
  })

  test('a zip changed after signing fails the lock (the signature covers the bytes)', async () => {
    const r = await repo()
    e2e.server.override(`/${e2e.mirror.zip}`, Buffer.concat([await zipBytes(), Buffer.from('tampered')]))
    const res = await r.run(['features', 'lock'])
    expect(res.exitCode).toBe(1)
    expect(res.all).toMatch(/SIGNATURE_INVALID.*does not verify/)
  })

  test('a command-line install (no lock) verifies the signature over the zip itself, then installs; an untrusted signer installs nothing', async () => {
    const { mirror, server } = e2e
    const b = await e2e.sandbox()
    const res = await b.run(['features', 'install', 'aws-cli'])
    expect(res.exitCode, res.all).toBe(0)
    expect(server.requests).toEqual(expect.arrayContaining([`GET /${mirror.zip} 200`, `GET /${mirror.zip}.sig 200`]))
    expect((await execa(join(b.binDir, 'aws'), ['--version'])).stdout).toContain(`aws-cli/${V} `)

    const other = await e2e.sandbox()
    await signByStranger()
    const bad = await other.run(['features', 'install', 'aws-cli'])
    expect(bad.exitCode).toBe(1)
    expect(bad.all).toContain('SIGNATURE_INVALID')
    expect(await readdir(join(other.toolCache, 'aws-cli')).catch(() => [])).toEqual([])
    expect(await readdir(other.binDir).catch(() => [])).toEqual([])
  })
})
