// The plugin policy, end to end with the built CLI: a third-party plugin (test/fixtures/hello-plugin,
// @acme/runner-feature-hello@3.1.4) is refused without a policy, the hint's line allows it once the
// policy is approved on this machine, and a changed policy stops working until approved again.
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { sandbox } from './helpers.js'

const hello = fileURLToPath(new URL('./fixtures/hello-plugin', import.meta.url))

test('third-party plugins load only by an approved policy; a changed policy must be approved again', async () => {
  const b = await sandbox()
  const policy = join(b.dir, 'team-policy.yaml')
  const env = { RUNNER_FEATURES_POLICY: policy }
  try {
    const refused = await b.runner(['plugins', 'install', hello], { env })
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toContain('error PLUGIN_NOT_ALLOWED')
    expect(refused.stderr).toContain('only @runner-features/* plugins load without a plugin policy')
    const line = '  - { name: "@acme/runner-feature-hello", version: "^3.1.4" }'
    expect(refused.stderr).toContain(line)
    expect(existsSync(join(b.dir, 'plugins', 'node_modules', '@acme', 'runner-feature-hello'))).toBe(false)

    // The hint's line, pasted into the policy: still refused until approved on this machine.
    await writeFile(policy, `plugins:\n${line}\n`)
    const unapproved = await b.runner(['plugins', 'install', hello], { env })
    expect(unapproved.exitCode).toBe(1)
    expect(unapproved.stderr).toContain('is not approved on this machine')

    const allow = await b.runner(['plugins', 'allow'], { env })
    expect(allow.exitCode, allow.all).toBe(0)
    expect(allow.stdout).toContain('@acme/runner-feature-hello@^3.1.4')
    const installed = await b.runner(['plugins', 'install', hello], { env })
    expect(installed.exitCode, installed.all).toBe(0)
    expect((await b.runner(['features', 'install', 'hello', '--dry-run'], { env })).stderr).not.toContain('PLUGIN_NOT_ALLOWED')

    // A pull request changes the policy: no effect on this machine until approved here.
    await writeFile(policy, `plugins:\n  - { name: "@acme/runner-feature-hello", version: "^4.0.0" }\n`)
    const changed = await b.runner(['features', 'install', 'hello', '--dry-run'], { env })
    expect(changed.exitCode).toBe(1)
    expect(changed.stderr).toContain('error PLUGIN_NOT_ALLOWED')
    expect(changed.stderr).toContain('not approved on this machine')
    expect((await b.runner(['plugins', 'allow'], { env })).exitCode).toBe(0)
    const outside = await b.runner(['features', 'install', 'hello', '--dry-run'], { env })
    expect(outside.exitCode).toBe(1)
    expect(outside.stderr).toContain('allows ^4.0.0 only')
  } finally {
    await b.cleanup()
  }
})
