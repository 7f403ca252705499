// Upstream signatures, end to end: the built CLI installs terraform (a `hashicorp` source, so
// HashiCorp's signature rule applies) from a 127.0.0.1 mirror whose checksum files are signed with
// the fixture mirrors' TEST key, trusted through RUNNER_FEATURES_TRUSTED_KEYS (or `trustedKeys:`).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buildDemoMirror, detachedSignature, generateTestKey, mirrorSigningKey, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { sandbox } from './helpers.js'

const V = '1.5.0'
const DIR = `/hashicorp/terraform/${V}`
const SUMS = `${DIR}/terraform_${V}_SHA256SUMS`
const ZIP = `${DIR}/terraform_${V}_linux_amd64.zip`

let server: MirrorServer
let otherKey: Awaited<ReturnType<typeof generateTestKey>>['privateKey']
let otherKeyFile: string
let scratch: Awaited<ReturnType<typeof sandbox>>

beforeAll(async () => {
  server = await startMirrorServer((await buildDemoMirror()).root)
  scratch = await sandbox()
  const other = await generateTestKey()
  otherKey = other.privateKey
  otherKeyFile = join(scratch.dir, 'other.asc')
  await writeFile(otherKeyFile, other.publicKeyArmored)
})
afterAll(async () => {
  await server?.close()
  await scratch?.cleanup()
})

async function box(env: Record<string, string> = {}) {
  return sandbox({ RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/`, ...env })
}

const zipRequested = () => server.requests.some((r) => r.path === ZIP)

describe('signatures of upstream checksum files (terraform: HashiCorp’s rule)', () => {
  test('a mirror signed by a trusted key installs; the same mirror without that key is refused before any download', async () => {
    const trusted = await box()
    const untrusted = await box({ RUNNER_FEATURES_TRUSTED_KEYS: '' })
    try {
      server.resetRequests()
      const bad = await untrusted.runner(['features', 'install', `terraform@${V}`])
      expect(bad.exitCode).toBe(1)
      expect(bad.stderr).toContain('error SIGNATURE_INVALID')
      expect(bad.stderr).toContain(`terraform_${V}_SHA256SUMS.72D7468F.sig: signed by a key that is not trusted; expected a signature by C874 011F 0AB4 0511 0D02 1055 3436 5D94 72D7 468F, found key`)
      expect(zipRequested()).toBe(false)

      const ok = await trusted.runner(['features', 'install', `terraform@${V}`])
      expect(ok.exitCode, ok.all).toBe(0)
      expect(zipRequested()).toBe(true)
    } finally {
      await trusted.cleanup()
      await untrusted.cleanup()
    }
  })

  test('unsigned: SIGNATURE_MISSING naming the signature URLs tried; a tampered checksum file under the old signature: SIGNATURE_INVALID', async () => {
    const b = await box()
    try {
      server.override(`${SUMS}.72D7468F.sig`, null)
      server.override(`${SUMS}.sig`, null)
      server.resetRequests()
      const missing = await b.runner(['features', 'install', `terraform@${V}`])
      expect(missing.exitCode).toBe(1)
      expect(missing.stderr).toContain('error SIGNATURE_MISSING')
      expect(missing.stderr).toContain(`${SUMS.slice(1)}.72D7468F.sig, `)
      expect(zipRequested()).toBe(false)
      server.clearOverrides()

      const real = await readFile(join(server.root, SUMS), 'utf8')
      server.override(SUMS, Buffer.from(real.replace(/^[0-9a-f]{8}/m, '00000000')))
      const tampered = await b.runner(['features', 'install', `terraform@${V}`, '--refresh'])
      expect(tampered.exitCode).toBe(1)
      expect(tampered.stderr).toContain('error SIGNATURE_INVALID')
      expect(tampered.stderr).toContain('the signature does not verify')
      expect(zipRequested()).toBe(false)
    } finally {
      server.clearOverrides()
      await b.cleanup()
    }
  })

  test('--insecure-skip-signatures / RUNNER_FEATURES_SKIP_SIGNATURES=1 warn on every install and keep checksums mandatory', async () => {
    const b = await box()
    try {
      server.override(`${SUMS}.72D7468F.sig`, null)
      server.override(`${SUMS}.sig`, null)
      server.override(ZIP, Buffer.from('not the listed bytes'))
      const bytes = await b.runner(['features', 'install', `terraform@${V}`, '--insecure-skip-signatures'])
      expect(bytes.exitCode).toBe(1)
      expect(bytes.stderr).toContain('signatures NOT checked')
      expect(bytes.stderr).toContain('error CHECKSUM_MISMATCH')
      server.clearOverrides()
      server.override(`${SUMS}.72D7468F.sig`, null)
      server.override(`${SUMS}.sig`, null)
      const ok = await b.runner(['features', 'install', `terraform@${V}`], { env: { RUNNER_FEATURES_SKIP_SIGNATURES: '1' } })
      expect(ok.exitCode, ok.all).toBe(0)
      expect(ok.stderr).toContain(`terraform@${V}: signatures NOT checked`)
    } finally {
      server.clearOverrides()
      await b.cleanup()
    }
  })

  test('the lock records the signer; a locked install refuses an unsigned or other-key checksum file (SIGNATURE_DOWNGRADE); trustedKeys: in the config adds keys', async () => {
    const key = await mirrorSigningKey()
    // No key from the environment: the team config trusts the mirror's key (a path relative to it).
    const b = await box({ RUNNER_FEATURES_TRUSTED_KEYS: '' })
    try {
      const repo = join(b.dir, 'repo')
      await mkdir(join(repo, '.github'), { recursive: true })
      await writeFile(join(repo, '.github', 'mirror.asc'), await readFile(key.publicKeyFile, 'utf8'))
      await writeFile(join(repo, '.github', 'runner-config.yml'), `tools:\n  - terraform@${V}\ntrustedKeys:\n  - mirror.asc\n`)
      const locked = await b.runner(['features', 'lock'], { cwd: repo })
      expect(locked.exitCode, locked.all).toBe(0)
      const lock = parse(await readFile(join(repo, '.github', 'runner-features.lock'), 'utf8')) as { features: { terraform: { platforms: Record<string, { signedBy?: string }> } } }
      expect(lock.features.terraform.platforms['linux-x64']!.signedBy).toBe(key.fingerprint)

      server.override(`${SUMS}.72D7468F.sig`, null)
      server.override(`${SUMS}.sig`, null)
      server.resetRequests()
      const unsigned = await b.runner(['features', 'install', '--frozen', '--refresh'], { cwd: repo })
      expect(unsigned.exitCode).toBe(1)
      expect(unsigned.stderr).toContain('error SIGNATURE_DOWNGRADE')
      expect(unsigned.stderr).toContain('is now unsigned')
      expect(zipRequested()).toBe(false)

      // Signed by another key that this runner also trusts: still not the key the lock names.
      server.clearOverrides()
      server.override(`${SUMS}.72D7468F.sig`, Buffer.from(await detachedSignature(await readFile(join(server.root, SUMS)), otherKey)))
      const other = await b.runner(['features', 'install', '--frozen', '--refresh'], { cwd: repo, env: { RUNNER_FEATURES_TRUSTED_KEYS: otherKeyFile } })
      expect(other.exitCode).toBe(1)
      expect(other.stderr).toContain('error SIGNATURE_DOWNGRADE')
      expect(zipRequested()).toBe(false)

      server.clearOverrides()
      const ok = await b.runner(['features', 'install', '--frozen', '--refresh'], { cwd: repo })
      expect(ok.exitCode, ok.all).toBe(0)
    } finally {
      server.clearOverrides()
      await b.cleanup()
    }
  })
})
