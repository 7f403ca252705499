import { describe, expect, test } from 'vitest'
import { lockMatchesConfig, parseLockfile, stringifyLockfile, type Lockfile } from './lockfile.js'
import { collectRequirements, type DependencyRequest, type FeatureDeclaration } from './resolver.js'

const SHA = 'a'.repeat(64)
const lock: Lockfile = {
  lockfileVersion: 1,
  features: {
    terraform: {
      version: '1.5.0',
      requested: [{ spec: '1.5.0', source: '.github/runner-config.yml:5' }],
      plugin: { name: '@runner-features/terraform', version: '0.1.0' },
      options: {},
      dependsOn: [],
      platforms: {
        'linux-arm64': { url: 'https://releases.hashicorp.com/terraform/1.5.0/terraform_1.5.0_linux_arm64.zip', sha256: SHA, archive: 'zip', strip: 0 },
        'linux-x64': { url: 'https://releases.hashicorp.com/terraform/1.5.0/terraform_1.5.0_linux_amd64.zip', sha256: SHA, archive: 'zip', strip: 0 },
      },
    },
    nodejs: {
      version: '20.20.2',
      requested: [{ spec: '^20', source: 'plugin @acme/greet' }, { spec: '20', source: '.github/runner-config.yml:3' }],
      plugin: { name: '@runner-features/nodejs', version: '0.1.0' },
      options: {},
      dependsOn: [],
      platforms: { 'linux-x64': { url: 'https://nodejs.org/dist/v20.20.2/node-v20.20.2-linux-x64.tar.gz', sha256: SHA, archive: 'tar.gz', strip: 1 } },
    },
    greet: {
      version: '1.0.0',
      requested: [{ spec: '1', source: '.github/runner-config.yml:4', options: { greeting: 'hi' } }],
      plugin: { name: '@acme/greet', version: '1.0.0', integrity: 'sha512-xyz' },
      options: { greeting: 'hi', loud: false },
      dependsOn: ['nodejs'],
      platforms: {},
    },
  },
}

test('the lock is YAML with sorted keys, and round-trips', () => {
  const text = stringifyLockfile(lock)
  expect(text.indexOf('  greet:')).toBeLessThan(text.indexOf('  nodejs:'))
  expect(text.indexOf('  nodejs:')).toBeLessThan(text.indexOf('  terraform:'))
  const tf = text.slice(text.indexOf('  terraform:'))
  expect(tf.indexOf('linux-arm64:')).toBeLessThan(tf.indexOf('linux-x64:'))
  expect(text).toContain('# runner-features.lock')
  expect(parseLockfile(text, 'x.lock')).toEqual(parseLockfile(stringifyLockfile(parseLockfile(text, 'x.lock')), 'x.lock'))
  expect(stringifyLockfile(parseLockfile(text, 'x.lock'))).toBe(text)
})

test.each([
  { name: 'not YAML', text: 'features: [\n', message: 'not valid YAML' },
  { name: 'wrong version', text: 'lockfileVersion: 2\nfeatures: {}\n', message: 'lockfileVersion' },
  { name: 'bad sha', text: `lockfileVersion: 1\nfeatures:\n  x:\n    version: "1"\n    requested: []\n    plugin: {name: p, version: "1"}\n    options: {}\n    dependsOn: []\n    platforms:\n      linux-x64: {url: "https://x/y", sha256: nope, archive: zip, strip: 0}\n`, message: 'features.x.platforms.linux-x64.sha256' },
  { name: 'unknown platform', text: `lockfileVersion: 1\nfeatures:\n  x:\n    version: "1"\n    requested: []\n    plugin: {name: p, version: "1"}\n    options: {}\n    dependsOn: []\n    platforms:\n      darwin-x64: {url: "https://x/y", sha256: "${SHA}", archive: zip, strip: 0}\n`, message: 'platforms' },
])('LOCKFILE_INVALID: $name', ({ text, message }) => {
  expect(() => parseLockfile(text, 'runner-features.lock')).toThrow(expect.objectContaining({ code: 'LOCKFILE_INVALID', where: 'runner-features.lock', message: expect.stringContaining(message) }))
})

describe('lockMatchesConfig', () => {
  const declarations = new Map<string, FeatureDeclaration>([
    ['nodejs', { id: 'nodejs', plugin: '@runner-features/nodejs', defaultVersion: 'lts' }],
    ['terraform', { id: 'terraform', plugin: '@runner-features/terraform', defaultVersion: 'latest' }],
    ['greet', { id: 'greet', plugin: '@acme/greet', defaultVersion: 'latest', dependsOn: [{ id: 'nodejs', version: '^20' }] }],
    ['hello', { id: 'hello', plugin: '@acme/hello', defaultVersion: 'latest' }],
  ])
  const base: DependencyRequest[] = [
    { id: 'nodejs', spec: '20', source: '.github/runner-config.yml:3' },
    { id: 'greet', spec: '1', source: '.github/runner-config.yml:4', options: { greeting: 'hi' } },
    { id: 'terraform', spec: '1.5.0', source: '.github/runner-config.yml:5' },
  ]
  const check = (requests: DependencyRequest[], decls = declarations) => lockMatchesConfig(lock, collectRequirements(requests, decls))

  test('matches, even when entries moved to other lines', () => {
    expect(check(base)).toEqual({ ok: true, differences: [] })
    expect(check(base.map((r, i) => ({ ...r, source: `.github/runner-config.yml:${10 + i}` }))).ok).toBe(true)
  })

  test.each([
    { name: 'a feature added', requests: [...base, { id: 'hello', source: 'x:9' }], diff: [['hello', 'added']] },
    { name: 'a feature removed', requests: base.filter((r) => r.id !== 'terraform'), diff: [['terraform', 'removed']] },
    { name: 'a spec changed', requests: base.map((r) => (r.id === 'terraform' ? { ...r, spec: '1.5.7' } : r)), diff: [['terraform', 'changed']] },
    { name: 'options changed', requests: base.map((r) => (r.id === 'greet' ? { ...r, options: { greeting: 'yo' } } : r)), diff: [['greet', 'changed']] },
    { name: 'the dependent removed (its dependency stays requested)', requests: base.filter((r) => r.id !== 'greet'), diff: [['nodejs', 'changed'], ['greet', 'removed']] },
  ])('$name', ({ requests, diff }) => {
    const r = check(requests)
    expect(r.ok).toBe(false)
    expect(r.differences.map((d) => [d.id, d.kind])).toEqual(diff)
    for (const d of r.differences) expect(d.message).toContain(d.id)
  })

  test('a plugin whose dependsOn changed outdates the lock', () => {
    const changed = new Map(declarations)
    changed.set('greet', { ...declarations.get('greet')!, dependsOn: [{ id: 'nodejs', version: '^22' }] })
    expect(check(base, changed).differences).toEqual([expect.objectContaining({ id: 'nodejs', kind: 'changed', message: expect.stringContaining('plugin @acme/greet ^22') })])
  })
})
