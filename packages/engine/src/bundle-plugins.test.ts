import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Lockfile } from '@runner-features/core/config'
import { bundledPluginPath, bundledPlugins, fileIntegrity } from './bundle-plugins.js'
import type { MirrorManifest } from './mirror-build.js'

const TARBALL = Buffer.from('pretend npm pack output')
const sri = (bytes: Buffer) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`
const NAME = '@acme/runner-feature-foo'

const lock = (integrity?: string): Lockfile => ({
  lockfileVersion: 1,
  features: { foo: { version: '1.0.0', requested: [], plugin: { name: NAME, version: '0.1.0', ...(integrity ? { integrity } : {}) }, options: {}, dependsOn: [], platforms: {} } },
})
const manifest = (paths: string[]): MirrorManifest => ({
  format: 1, lockSha256: 'x', platforms: ['linux-x64'], features: { foo: '1.0.0' },
  files: paths.map((path) => ({ url: `https://registry.example/${path}`, path, sha256: 'checked-by-openBundle', size: 1, kind: 'plugin' })),
})

describe('bundledPluginPath', () => {
  it.each([
    [NAME, '0.1.0', 'plugins/acme-runner-feature-foo-0.1.0.tgz'],
    ['runner-feature-bar', '2.0.0-rc.1', 'plugins/runner-feature-bar-2.0.0-rc.1.tgz'],
  ])('%s@%s → %s (npm pack\'s file name)', (name, version, path) => {
    expect(bundledPluginPath(name, version)).toBe(path)
  })
  it.each([['../../etc', '1.0.0'], [NAME, '1.0.0/../../x'], ['@acme/a/b', '1.0.0']])('refuses %s@%s, which could leave plugins/', (name, version) => {
    expect(() => bundledPluginPath(name, version)).toThrow(expect.objectContaining({ code: 'LOCKFILE_INVALID' }))
  })
})

describe('bundledPlugins (install --from)', () => {
  let dir: string
  const path = 'plugins/acme-runner-feature-foo-0.1.0.tgz'
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rf-bundle-plugins-'))
    await mkdir(join(dir, 'plugins'))
    await writeFile(join(dir, ...path.split('/')), TARBALL)
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('returns the tarball the lock names when its bytes have the lock\'s integrity', async () => {
    expect(await bundledPlugins(dir, manifest([path]), lock(sri(TARBALL)), 'x.lock', 'b.tar')).toEqual([
      { feature: 'foo', name: NAME, version: '0.1.0', integrity: sri(TARBALL), file: join(dir, 'plugins', 'acme-runner-feature-foo-0.1.0.tgz') },
    ])
  })
  it('refuses a tarball whose bytes are not the lock\'s integrity (PLUGIN_INTEGRITY_MISMATCH, where: the lock entry)', async () => {
    const locked = sri(Buffer.from('the bytes that were locked'))
    await expect(bundledPlugins(dir, manifest([path]), lock(locked), 'x.lock', 'b.tar')).rejects.toMatchObject({
      code: 'PLUGIN_INTEGRITY_MISMATCH', where: 'x.lock (foo plugin)', message: expect.stringContaining(`has integrity ${sri(TARBALL)}, the lock recorded ${locked}`),
    })
  })
  it('refuses a plugin tarball the lock does not name (BUNDLE_INVALID)', async () => {
    await expect(bundledPlugins(dir, manifest([path, 'plugins/acme-other-1.0.0.tgz']), lock(sri(TARBALL)), 'x.lock', 'b.tar')).rejects.toMatchObject({ code: 'BUNDLE_INVALID', where: 'b.tar' })
  })
  it('carries nothing when the bundle lacks the tarball; a tarball for a lock entry without integrity is BUNDLE_INVALID', async () => {
    expect(await bundledPlugins(dir, manifest([]), lock(sri(TARBALL)), 'x.lock', 'b.tar')).toEqual([])
    await expect(bundledPlugins(dir, manifest([path]), lock(), 'x.lock', 'b.tar')).rejects.toMatchObject({ code: 'BUNDLE_INVALID' })
  })
})

describe('fileIntegrity', () => {
  it('hashes with the algorithm the expected integrity names; undefined for an unsupported one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rf-sri-'))
    try {
      await writeFile(join(dir, 'f'), TARBALL)
      expect(await fileIntegrity(join(dir, 'f'), 'sha256-AAAA')).toBe(`sha256-${createHash('sha256').update(TARBALL).digest('base64')}`)
      expect(await fileIntegrity(join(dir, 'f'), 'md5-AAAA')).toBeUndefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
