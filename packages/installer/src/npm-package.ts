import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import semver from 'semver'
import { RunnerError, redactUrl, type Logger } from '@runner-features/core'
import { FeatureHttp } from './http.js'

export interface NpmResolved {
  name: string
  version: string
  tarball: string
  /** Subresource-integrity string from the registry (`sha512-<base64>`). */
  integrity: string
}

interface Packument {
  name: string
  'dist-tags'?: Record<string, string>
  versions?: Record<string, { version: string; dist?: { tarball?: string; integrity?: string } }>
}

/** Splits `@scope/name@range` / `name@range` / `name`. */
export function splitPackageSpec(spec: string): { name: string; range: string } {
  const at = spec.lastIndexOf('@')
  return at > 0 ? { name: spec.slice(0, at), range: spec.slice(at + 1) } : { name: spec, range: 'latest' }
}

/** Resolves a package from the registry's packument: a dist-tag, an exact version or a semver range. */
export async function resolveNpmPackage(spec: string, registry: string, logger: Logger): Promise<NpmResolved> {
  const { name, range } = splitPackageSpec(spec)
  const base = registry.endsWith('/') ? registry : `${registry}/`
  const http = new FeatureHttp({ upstream: base, logger, retries: 2 })
  const doc = await http.json<Packument>(`${base}${name.replace('/', '%2F')}`).catch((err: RunnerError) => {
    throw new RunnerError('PLUGIN_INSTALL_FAILED', `${name} could not be looked up in the registry: ${err.message}`, { where: spec, hint: `check the name and the registry (${redactUrl(base)}); offline, install from a tarball or directory instead`, cause: err })
  })
  const versions = Object.keys(doc.versions ?? {})
  const version = doc['dist-tags']?.[range] ?? semver.maxSatisfying(versions, range)
  const meta = version ? doc.versions?.[version] : undefined
  if (!version || !meta?.dist?.tarball || !meta.dist.integrity) {
    throw new RunnerError('PLUGIN_INSTALL_FAILED', `${name} has no version matching "${range}" with an integrity hash`, { where: spec, hint: `published versions: ${versions.slice(-5).join(', ') || 'none'}` })
  }
  return { name, version, tarball: meta.dist.tarball, integrity: meta.dist.integrity }
}

/** Downloads a registry tarball to a temp file and checks its SRI integrity (fail closed). */
export async function downloadWithIntegrity(resolved: NpmResolved, tmpDir: string, logger: Logger): Promise<string> {
  const m = /^(sha512|sha384|sha256)-(.+)$/.exec(resolved.integrity)
  if (!m) throw new RunnerError('CHECKSUM_MISSING', `unsupported integrity "${resolved.integrity}"`, { where: `${resolved.name}@${resolved.version}`, hint: 'only sha256/384/512 integrity is accepted' })
  await mkdir(tmpDir, { recursive: true })
  const file = join(tmpDir, `plugin-${randomBytes(4).toString('hex')}.tgz`)
  const http = new FeatureHttp({ upstream: resolved.tarball, logger })
  const hash = createHash(m[1]!)
  const { body } = await http.open(resolved.tarball)
  await pipeline(body, new Transform({ transform(chunk: Buffer, _e, done) { hash.update(chunk); done(null, chunk) } }), createWriteStream(file))
  const actual = hash.digest('base64')
  if (actual !== m[2]) {
    await rm(file, { force: true })
    throw new RunnerError('CHECKSUM_MISMATCH', `${resolved.name}@${resolved.version} tarball has ${m[1]}-${actual}, the registry says ${resolved.integrity}`, { where: resolved.tarball, hint: 'the registry or a proxy served altered bytes; nothing was installed' })
  }
  return file
}
