import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { approvePluginPolicy, assertPluginAllowed, loadPluginPolicy, parsePluginPolicy, policyPathFor, type LoadedPolicy } from './plugin-policy.js'

const FOO = { name: '@acme/runner-feature-foo', version: '1.2.3' }
const INTEGRITY = 'sha512-AAAABBBB=='
let dir: string
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'rf-policy-'))))
afterEach(() => rm(dir, { recursive: true, force: true }))

const approved = (plugins: LoadedPolicy['policy']['plugins']): LoadedPolicy => ({ path: '/repo/.github/runner-features.policy.yaml', digest: 'd', approved: true, policy: { plugins } })

describe('assertPluginAllowed', () => {
  it('lets @runner-features/* load without any policy', () => {
    expect(() => assertPluginAllowed({ name: '@runner-features/nodejs', version: '0.1.0' }, undefined)).not.toThrow()
  })

  it('refuses anything else without a policy, with the exact line to add', () => {
    const err = (() => {
      try {
        assertPluginAllowed(FOO, undefined)
      } catch (e) {
        return e as { code: string; hint: string }
      }
    })()
    expect(err?.code).toBe('PLUGIN_NOT_ALLOWED')
    expect(err?.hint).toContain('  - { name: "@acme/runner-feature-foo", version: "^1.2.3" }')
    expect(err?.hint).toContain('runner plugins allow')
  })

  it.each([
    ['listed, version in range', [{ name: FOO.name, version: '^1.0.0' }], FOO, undefined],
    ['listed with the matching integrity', [{ name: FOO.name, version: '1.x', integrity: INTEGRITY }], { ...FOO, integrity: INTEGRITY }, undefined],
    ['not listed', [{ name: '@acme/other', version: '*' }], FOO, 'does not list it'],
    ['version outside the range', [{ name: FOO.name, version: '^2.0.0' }], FOO, 'allows ^2.0.0 only'],
    ['integrity differs from the pin', [{ name: FOO.name, version: '*', integrity: INTEGRITY }], { ...FOO, integrity: 'sha512-CCCC' }, 'pins integrity'],
    ['integrity pinned, package not from a registry', [{ name: FOO.name, version: '*', integrity: INTEGRITY }], FOO, 'has none'],
  ])('%s', (_name, plugins, plugin, refused) => {
    const run = () => assertPluginAllowed(plugin, approved(plugins))
    if (refused) expect(run).toThrow(expect.objectContaining({ code: 'PLUGIN_NOT_ALLOWED', message: expect.stringContaining(refused) }))
    else expect(run).not.toThrow()
  })

  it('ignores a policy this machine has not approved', () => {
    expect(() => assertPluginAllowed(FOO, { ...approved([{ name: FOO.name, version: '*' }]), approved: false })).toThrow(expect.objectContaining({ code: 'PLUGIN_NOT_ALLOWED', message: expect.stringContaining('not approved on this machine') }))
  })
})

describe('policy files and approval', () => {
  it('a policy takes effect once approved, and a changed policy must be approved again', async () => {
    const path = join(dir, 'runner-features.policy.yaml')
    const approvals = join(dir, 'state', 'approved-policies.json')
    await writeFile(path, `plugins:\n  - { name: "${FOO.name}", version: "^1.0.0" }\n`)
    expect((await loadPluginPolicy(path, approvals))?.approved).toBe(false)
    await approvePluginPolicy(path, approvals)
    const loaded = await loadPluginPolicy(path, approvals)
    expect(loaded?.approved).toBe(true)
    expect(() => assertPluginAllowed(FOO, loaded)).not.toThrow()
    // A pull request widens the policy: not in effect on this machine until approved here.
    await writeFile(path, `plugins:\n  - { name: "${FOO.name}", version: "*" }\n  - { name: "@evil/x", version: "*" }\n`)
    const changed = await loadPluginPolicy(path, approvals)
    expect(changed?.approved).toBe(false)
    expect(() => assertPluginAllowed({ name: '@evil/x', version: '1.0.0' }, changed)).toThrow(expect.objectContaining({ code: 'PLUGIN_NOT_ALLOWED' }))
  })

  it('no file is no policy; RUNNER_FEATURES_POLICY wins over the file next to the config', async () => {
    expect(await loadPluginPolicy(join(dir, 'missing.yaml'), join(dir, 'a.json'))).toBeUndefined()
    expect(policyPathFor({}, '/repo/.github/runner-config.yml')).toBe('/repo/.github/runner-features.policy.yaml')
    expect(policyPathFor({ RUNNER_FEATURES_POLICY: '/etc/rf/policy.yaml' }, '/repo/.github/runner-config.yml')).toBe('/etc/rf/policy.yaml')
    expect(policyPathFor({})).toBeUndefined()
  })

  it.each([
    ['plugins: [{ name: "Bad Name", version: "*" }]', 'plugins.0.name'],
    ['plugins: [{ name: "@a/b", version: "not a range" }]', 'plugins.0.version'],
    ['plugins: [{ name: "@a/b", version: "*", integrity: "md5-x" }]', 'plugins.0.integrity'],
    ['plugin: []', 'plugins: Invalid input'],
  ])('rejects %s', (text, problem) => {
    expect(() => parsePluginPolicy(text, 'p.yaml')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(problem) }))
  })
})
