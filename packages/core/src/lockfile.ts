import { readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { stringify, parse } from 'yaml'
import { z } from 'zod'
import { RunnerError } from './errors.js'
import { compareText } from './compare.js'
import type { ArchiveKind } from './feature.js'
import type { Requirement } from './resolver.js'

// `runner-features.lock`: YAML next to the config, keys sorted so diffs stay small and stable.
// URLs are the canonical upstream ones: a mirror is applied at fetch time and never written here.

export const LOCKFILE_NAME = 'runner-features.lock'
/**
 * Platform keys a lock may hold, in display order. Windows keys carry no libc (Windows has none to
 * choose); a Linux machine can lock, vendor and mirror them for Windows runners.
 */
export const LOCK_PLATFORMS = ['linux-x64', 'linux-arm64', 'linux-x64-musl', 'linux-arm64-musl', 'windows-x64', 'windows-arm64'] as const
export type LockPlatform = (typeof LOCK_PLATFORMS)[number]

const lockedArtifact = z.strictObject({
  url: z.string().url(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative().optional(),
  archive: z.enum(['tar.gz', 'tar.xz', 'zip', 'file']),
  strip: z.number().int().nonnegative(),
  fileName: z.string().optional(),
  checksumSource: z.string().optional(),
  // Fingerprint of the key that signed checksumSource when it was locked; a locked install refuses
  // a checksum file that is now unsigned or signed by another key (SIGNATURE_DOWNGRADE).
  signedBy: z.string().regex(/^[0-9A-F]{40,64}$/).optional(),
})

const lockedFeature = z.strictObject({
  version: z.string().min(1),
  requested: z.array(z.strictObject({ spec: z.string(), source: z.string(), options: z.record(z.string(), z.unknown()).optional() })),
  plugin: z.strictObject({ name: z.string(), version: z.string(), integrity: z.string().optional() }),
  options: z.record(z.string(), z.unknown()),
  dependsOn: z.array(z.string()),
  // One artifact (most features) or, for a version made of several archives (cuda), the list in
  // extraction order. One stays a plain object so existing locks read and write unchanged.
  platforms: z.partialRecord(z.enum(LOCK_PLATFORMS), z.union([lockedArtifact, z.array(lockedArtifact).min(2)])),
})

const lockfileSchema = z.strictObject({
  lockfileVersion: z.literal(1),
  features: z.record(z.string(), lockedFeature),
})

export type LockedArtifact = z.infer<typeof lockedArtifact> & { archive: ArchiveKind }
/** What the lock holds for one feature on one platform: its artifact, or its artifacts in extraction order. */
export type LockedPlatform = LockedArtifact | LockedArtifact[]
export type LockedFeature = z.infer<typeof lockedFeature>
export type Lockfile = z.infer<typeof lockfileSchema>

/** The artifacts of a platform entry, in extraction order (a single artifact as a list of one). */
export function lockedArtifacts(entry: LockedPlatform): LockedArtifact[] {
  return Array.isArray(entry) ? entry : [entry]
}

/** The lock form of a platform's artifacts: one stays an object, several become a list. */
export function lockedPlatform(artifacts: readonly LockedArtifact[]): LockedPlatform {
  return artifacts.length === 1 ? artifacts[0]! : [...artifacts]
}

export function lockPathFor(configFile: string): string {
  return join(dirname(configFile), LOCKFILE_NAME)
}

const HEADER = '# runner-features.lock: written by `runner features lock|install|upgrade`. Commit it; do not edit.\n# URLs are canonical upstream URLs; mirrors are applied when fetching.\n'

/** Stable text: keys sorted at every level, `requested` sorted by source. */
export function stringifyLockfile(lock: Lockfile): string {
  const features = Object.fromEntries(Object.entries(lock.features).map(([id, f]) => [id, { ...f, requested: [...f.requested].sort((a, b) => compareText(a.source, b.source) || compareText(a.spec, b.spec)), dependsOn: [...f.dependsOn].sort(compareText) }]))
  return HEADER + stringify({ lockfileVersion: lock.lockfileVersion, features }, { sortMapEntries: (a, b) => compareText(String(a.key), String(b.key)), lineWidth: 0 })
}

export function parseLockfile(text: string, where: string): Lockfile {
  let value: unknown
  try {
    value = parse(text)
  } catch (err) {
    throw new RunnerError('LOCKFILE_INVALID', `not valid YAML: ${(err as Error).message.split('\n')[0]}`, { where, hint: 'regenerate it with `runner features lock`', cause: err })
  }
  const parsed = lockfileSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new RunnerError('LOCKFILE_INVALID', `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`, { where, hint: 'regenerate it with `runner features lock`' })
  }
  return parsed.data as Lockfile
}

/** Reads the lock; undefined when there is none. */
export async function readLockfile(file: string): Promise<Lockfile | undefined> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  return text === undefined ? undefined : parseLockfile(text, file)
}

/** Writes atomically (temp file + rename); returns whether the bytes changed. */
export async function writeLockfile(file: string, lock: Lockfile): Promise<boolean> {
  const text = stringifyLockfile(lock)
  const before = await readFile(file, 'utf8').catch(() => undefined)
  if (before === text) return false
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, text)
  await rename(tmp, file)
  return true
}

/** How a requirement is compared with the lock: its spec, options and kind of source (never its line). */
function requirementKey(r: { spec: string; source: string; options?: Record<string, unknown> }): string {
  const kind = r.source.startsWith('plugin ') ? r.source : 'config'
  return `${kind} ${r.spec}${r.options && Object.keys(r.options).length ? ` ${canonicalJson(r.options)}` : ''}`
}

function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => compareText(a, b))) : x))
}

/** The lock form of one requirement. */
export function lockRequirement(r: Requirement): LockedFeature['requested'][number] {
  return { spec: r.spec.raw, source: r.source, ...(r.options && Object.keys(r.options).length ? { options: r.options } : {}) }
}

export interface LockDifference {
  id: string
  kind: 'added' | 'removed' | 'changed'
  message: string
}

/**
 * Compares the requirements the config (and plugins' `dependsOn`) produce now with those the lock
 * was made from. Line numbers are ignored: moving an entry does not outdate the lock.
 */
export function lockMatchesConfig(lock: Lockfile, requirements: ReadonlyMap<string, readonly Requirement[]>): { ok: boolean; differences: LockDifference[] } {
  const differences: LockDifference[] = []
  for (const [id, reqs] of requirements) {
    const locked = lock.features[id]
    if (!locked) {
      differences.push({ id, kind: 'added', message: `${id} is required (${reqs.map((r) => `${r.spec.raw} from ${r.source}`).join(', ')}) but not in the lock` })
      continue
    }
    const want = reqs.map((r) => requirementKey(lockRequirement(r))).sort(compareText)
    const have = locked.requested.map(requirementKey).sort(compareText)
    if (want.join('\n') !== have.join('\n')) {
      const added = want.filter((w) => !have.includes(w))
      const gone = have.filter((h) => !want.includes(h))
      differences.push({ id, kind: 'changed', message: `${id}: now ${added.join(', ') || '(nothing new)'}; the lock has ${gone.join(', ') || '(nothing else)'}` })
    }
  }
  for (const id of Object.keys(lock.features).sort(compareText)) {
    if (!requirements.has(id)) differences.push({ id, kind: 'removed', message: `${id} is in the lock but no longer required` })
  }
  return { ok: differences.length === 0, differences }
}
