import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { RunnerError, redactUrl, type Logger } from '@runner-features/core'
import type { Lockfile } from '@runner-features/core/config'
import { downloadWithIntegrity, resolveNpmPackage } from '@runner-features/installer'
import type { MirrorFile, MirrorManifest } from './mirror-build.js'
import type { ConfigProject } from './project.js'

/** Where plugin tarballs lie in a bundle: not an upstream host, so no mirror rewrite points there. */
export const BUNDLE_PLUGINS_DIR = 'plugins'

/** A third-party plugin tarball found in an opened bundle, already checked against the lock's integrity. */
export interface BundledPlugin {
  /** The feature the lock records this plugin for. */
  feature: string
  name: string
  version: string
  /** The npm integrity (`sha512-…`) the lock recorded, which the tarball's bytes match. */
  integrity: string
  /** The tarball, unpacked from the bundle into its temp dir. */
  file: string
}

const NPM_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/
const SRI = /^(sha512|sha384|sha256)-([A-Za-z0-9+/]+=*)$/

/** `@acme/runner-feature-foo`, `1.0.0` → `plugins/acme-runner-feature-foo-1.0.0.tgz` (npm pack's own file name). */
export function bundledPluginPath(name: string, version: string): string {
  if (!NPM_NAME.test(name) || !/^[\w.+-]+$/.test(version)) {
    throw new RunnerError('LOCKFILE_INVALID', `the lock names plugin "${name}@${version}", which is not an npm package and version`, { where: `${name}@${version}`, hint: 'run `runner features lock` again' })
  }
  return `${BUNDLE_PLUGINS_DIR}/${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`
}

/** The npm integrity of a file in the algorithm `expected` names (`sha512-<base64>`), or undefined for an unsupported one. */
export async function fileIntegrity(file: string, expected: string): Promise<string | undefined> {
  const m = SRI.exec(expected)
  if (!m) return undefined
  const hash = createHash(m[1]!)
  await pipeline(createReadStream(file), hash)
  return `${m[1]}-${hash.digest('base64')}`
}

/** The locked plugins that are not part of the CLI: their tarballs go into a bundle. */
function thirdPartyLocked(project: ConfigProject, lock: Lockfile): Array<{ feature: string; name: string; version: string; integrity?: string }> {
  return Object.entries(lock.features)
    .filter(([id]) => project.plugins.get(id)?.origin !== 'bundled')
    .map(([id, f]) => ({ feature: id, ...f.plugin }))
}

/**
 * `vendor`: adds each locked plugin that does not ship with the CLI as its npm tarball under
 * `<dir>/plugins/`, fetched from `registry` and verified against the lock's integrity; any plugin
 * the lock pins no integrity for (installed from a directory or tarball), or whose registry bytes
 * differ, fails the vendor: a bundle never carries a plugin nobody can verify on the other side.
 */
export async function vendorPlugins(project: ConfigProject, lock: Lockfile, dir: string, o: { registry: string; logger: Logger }): Promise<MirrorFile[]> {
  const files: MirrorFile[] = []
  for (const p of thirdPartyLocked(project, lock)) {
    const where = `${project.lockFile} (${p.feature} plugin)`
    if (!p.integrity) {
      throw new RunnerError('CHECKSUM_MISSING', `the lock records no npm integrity for ${p.name}@${p.version} (installed from a directory or tarball), so the bundle could not carry a verifiable copy`, {
        where, hint: `install it from a registry (runner plugins install ${p.name}@${p.version}) and run \`runner features lock\`, then vendor again`,
      })
    }
    const path = bundledPluginPath(p.name, p.version)
    const resolved = await resolveNpmPackage(`${p.name}@${p.version}`, o.registry, o.logger)
    if (resolved.version !== p.version || resolved.integrity !== p.integrity) {
      throw new RunnerError('PLUGIN_INTEGRITY_MISMATCH', `${redactUrl(o.registry)} serves ${p.name}@${resolved.version} with integrity ${resolved.integrity}, the lock recorded ${p.integrity}`, {
        where, hint: 'the package was re-published with other bytes, or this is another registry; point --registry at the one the plugin was installed from, or review the change and run `runner features lock`',
      })
    }
    // Verified while downloading against the lock's integrity (CHECKSUM_MISMATCH otherwise, nothing kept),
    // into the bundle's own dir so the rename never crosses filesystems.
    const tmp = await downloadWithIntegrity({ ...resolved, integrity: p.integrity }, join(dir, BUNDLE_PLUGINS_DIR), o.logger)
    const target = join(dir, ...path.split('/'))
    await rename(tmp, target)
    const sha256 = createHash('sha256')
    await pipeline(createReadStream(target), sha256)
    files.push({ url: redactUrl(resolved.tarball), path, sha256: sha256.digest('hex'), size: (await stat(target)).size, kind: 'plugin' })
  }
  return files
}

/**
 * `install --from`: the plugin tarballs of an unpacked bundle whose manifest files were already
 * checked, each matched to the lock entry it belongs to and hashed against the lock's npm integrity
 * (PLUGIN_INTEGRITY_MISMATCH: a tarball replaced together with its manifest line). All are checked
 * before any is installed, so a bad one leaves the machine as it was.
 */
export async function bundledPlugins(dir: string, manifest: MirrorManifest, lock: Lockfile, lockFile: string, bundle: string): Promise<BundledPlugin[]> {
  const inBundle = new Set(manifest.files.filter((f) => f.kind === 'plugin').map((f) => f.path))
  const out: BundledPlugin[] = []
  const matched = new Set<string>()
  for (const [id, f] of Object.entries(lock.features)) {
    const path = f.plugin.integrity ? bundledPluginPath(f.plugin.name, f.plugin.version) : undefined
    if (!path || !inBundle.has(path)) continue
    matched.add(path)
    const file = join(dir, ...path.split('/'))
    const got = await fileIntegrity(file, f.plugin.integrity!)
    if (got !== f.plugin.integrity) {
      throw new RunnerError('PLUGIN_INTEGRITY_MISMATCH', `the bundle's ${f.plugin.name}@${f.plugin.version} tarball has integrity ${got ?? `of an unsupported kind (${f.plugin.integrity})`}, the lock recorded ${f.plugin.integrity}`, {
        where: `${lockFile} (${id} plugin)`, hint: `the bundle ${bundle} was changed after it was made; nothing was installed. Vendor it again from this lock`,
      })
    }
    out.push({ feature: id, name: f.plugin.name, version: f.plugin.version, integrity: f.plugin.integrity!, file })
  }
  const stray = [...inBundle].filter((p) => !matched.has(p))
  if (stray.length) {
    throw new RunnerError('BUNDLE_INVALID', `the bundle holds plugin tarballs the lock does not name: ${stray.join(', ')}`, { where: bundle, hint: 'vendor it again from this lock' })
  }
  return out
}
