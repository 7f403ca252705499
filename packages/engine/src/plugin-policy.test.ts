import { describe, expect, it } from 'vitest'
import type { PluginRef } from '@runner-features/core'
import type { Lockfile } from '@runner-features/core/config'
import { assertLockedIntegrity } from './plugin-policy.js'

const ref = (name: string, version = '1.0.0') => ({ name, version, dir: '/p', origin: 'user', manifest: { id: 'foo' } }) as unknown as PluginRef
const lock = (integrity?: string): Lockfile => ({
  lockfileVersion: 1,
  features: { foo: { version: '1.0.0', requested: [], plugin: { name: '@acme/runner-feature-foo', version: '1.0.0', ...(integrity ? { integrity } : {}) }, options: {}, dependsOn: [], platforms: {} } },
})

describe('assertLockedIntegrity', () => {
  const refs = new Map([['foo', ref('@acme/runner-feature-foo')]])
  it('accepts the integrity the lock recorded', () => {
    expect(() => assertLockedIntegrity(lock('sha512-AAA='), 'x.lock', refs, new Map([['@acme/runner-feature-foo', 'sha512-AAA=']]))).not.toThrow()
  })
  it.each([
    ['re-published with other bytes', new Map([['@acme/runner-feature-foo', 'sha512-BBB=']]), 'has integrity sha512-BBB=, the lock recorded sha512-AAA='],
    ['replaced by a local copy (no integrity)', new Map<string, string>(), 'has integrity none'],
  ])('refuses a plugin %s', (_name, now, message) => {
    expect(() => assertLockedIntegrity(lock('sha512-AAA='), 'x.lock', refs, now)).toThrow(expect.objectContaining({ code: 'PLUGIN_INTEGRITY_MISMATCH', where: 'x.lock (foo plugin)', message: expect.stringContaining(message) }))
  })
  it('has nothing to compare when the lock recorded no integrity (a plugin not from a registry)', () => {
    expect(() => assertLockedIntegrity(lock(), 'x.lock', refs, new Map([['@acme/runner-feature-foo', 'sha512-BBB=']]))).not.toThrow()
  })
})
