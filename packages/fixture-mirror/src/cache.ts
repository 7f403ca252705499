import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { withFileLock } from '@runner-features/core'

/** Absolute path of a file under this package's `fixtures/` (works from src/ and from dist/). */
export function fixturePath(...parts: string[]): string {
  return join(fileURLToPath(new URL('../fixtures/', import.meta.url)), ...parts)
}

/** The monorepo root: the nearest ancestor holding pnpm-workspace.yaml (from this file, else the cwd). */
export function findRepoRoot(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
      if (dirname(dir) === dir) break
    }
  }
  throw new Error('fixture-mirror: no pnpm-workspace.yaml above this package or the cwd; set FIXTURE_MIRROR_CACHE to a cache directory')
}

/** Where built mirrors and downloaded packages live: `FIXTURE_MIRROR_CACHE`, else `<repo>/.cache/fixture-mirror`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.FIXTURE_MIRROR_CACHE ? resolve(env.FIXTURE_MIRROR_CACHE) : join(findRepoRoot(), '.cache', 'fixture-mirror')
}

/** Short content hash for cache keys: changing the inputs (or a fixture) gives a new directory. */
export function cacheKey(...inputs: ReadonlyArray<string | Buffer>): string {
  const hash = createHash('sha256')
  for (const input of inputs) hash.update(input).update('\0')
  return hash.digest('hex').slice(0, 12)
}

/** `cacheKey` input for fixture files, so editing a fixture invalidates what was built from it. */
export function fixtureContents(...files: string[][]): Buffer {
  return Buffer.concat(files.map((parts) => readFileSync(fixturePath(...parts))))
}

/**
 * Returns `target`, first creating it with `build(tmp)` if it does not exist. `build` must create
 * `tmp` (a file or a directory) next to the target; it is renamed into place only once complete, so
 * a killed build leaves a `.tmp-*` leftover (swept by the next build of that name), never a half
 * mirror. A lock file makes concurrent test workers wait for one build instead of racing.
 */
export async function buildOnce(target: string, build: (tmp: string) => Promise<void>): Promise<string> {
  if (existsSync(target)) return target
  const parent = dirname(target)
  const name = basename(target)
  await mkdir(parent, { recursive: true })
  return withFileLock(join(parent, `.${name}.lock`), async () => {
    if (existsSync(target)) return target
    for (const leftover of await readdir(parent)) {
      if (leftover.startsWith(`.tmp-${name}-`)) await rm(join(parent, leftover), { recursive: true, force: true })
    }
    const tmp = join(parent, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`)
    try {
      await build(tmp)
      await rename(tmp, target)
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
    return target
  }, { what: `fixture-mirror build of ${target}`, timeoutMs: 20 * 60_000 })
}
