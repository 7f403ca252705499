import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { expect, test } from 'vitest'
import { detachedSignature, generateTestKey, mirrorSigningKey } from '@runner-features/fixture-mirror'
import { awsCliHarness } from './harness.ts'

// The signer of aws-cli's detached signature (over the zip itself) is recorded in the lock like the
// signer of other features' checksum files, so a later locked install refuses an upstream that
// dropped the signature or signs with another key (SIGNATURE_DOWNGRADE), before the zip is fetched.
const e2e = awsCliHarness()

const zipRequested = () => e2e.server.requests.some((r) => r.startsWith(`GET /${e2e.mirror.zip} `))

test('lock records the .sig signer; a locked install refuses the zip unsigned or signed by another (trusted) key, before downloading it', async () => {
  const b = await e2e.sandbox()
  const r = await b.repo('features:\n  - aws-cli\n')
  const locked = await r.run(['features', 'lock', '--platform', 'linux-x64'])
  expect(locked.exitCode, locked.all).toBe(0)
  const lock = parse(await readFile(r.lock, 'utf8')) as { features: Record<string, { platforms: Record<string, { signedBy?: string }> }> }
  expect(lock.features['aws-cli']!.platforms['linux-x64']!.signedBy).toBe((await mirrorSigningKey()).fingerprint)

  e2e.server.override(`/${e2e.mirror.zip}.sig`, null)
  e2e.server.requests.splice(0)
  const unsigned = await r.run(['features', 'install', '--frozen', '--refresh'])
  expect(unsigned.exitCode).toBe(1)
  expect(unsigned.stderr).toContain('error SIGNATURE_DOWNGRADE')
  expect(unsigned.stderr).toContain('is now unsigned')
  expect(zipRequested()).toBe(false)

  // A key this runner trusts too, but not the one the lock names.
  const other = await generateTestKey()
  const otherFile = join(b.dir, 'other.asc')
  await writeFile(otherFile, other.publicKeyArmored)
  const zip = await readFile(join(e2e.mirror.root, e2e.mirror.zip))
  e2e.server.override(`/${e2e.mirror.zip}.sig`, Buffer.from(await detachedSignature(zip, other.privateKey, true)))
  e2e.server.requests.splice(0)
  const trusted = `${(await mirrorSigningKey()).publicKeyFile}:${otherFile}`
  const resigned = await r.run(['features', 'install', '--frozen', '--refresh'], { RUNNER_FEATURES_TRUSTED_KEYS: trusted })
  expect(resigned.exitCode).toBe(1)
  expect(resigned.stderr).toContain('error SIGNATURE_DOWNGRADE')
  expect(resigned.stderr).toContain(`is now signed by ${other.fingerprint.replace(/(.{4})(?!$)/g, '$1 ')}`)
  expect(zipRequested()).toBe(false)
  expect(await readdir(join(b.toolCache, 'aws-cli')).catch(() => [])).toEqual([])

  // The signature the lock names again: installs.
  e2e.server.clearOverrides()
  const ok = await r.run(['features', 'install', '--frozen', '--refresh'])
  expect(ok.exitCode, ok.all).toBe(0)
})
