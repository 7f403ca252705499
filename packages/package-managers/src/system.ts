import { constants } from 'node:fs'
import { access, chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { RunnerError, type Exec, type Platform } from '@runner-features/core'
import { DEFAULT_STALE_AFTER_MS, type PmDeps, type PmFs } from './deps.js'

const readOr = async <T>(p: Promise<T>, fallback: T): Promise<T> => p.catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? fallback : Promise.reject(err)))

const reads = {
  readFile: (path: string) => readOr(readFile(path, 'utf8'), undefined),
  list: (dir: string) => readOr(readdir(dir), [] as string[]),
  mtimeMs: (path: string) => readOr(stat(path).then((s) => s.mtimeMs), undefined),
  tempDir: () => mkdtemp(join(tmpdir(), 'runner-features-pm-')),
}

/** Direct file access, for root. Writes are atomic (temp file + rename). */
export const localFs: PmFs = {
  ...reads,
  async writeFile(path, data, mode = 0o644) {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 })
    const tmp = `${path}.runner-features-${process.pid}.tmp`
    await writeFile(tmp, data, { mode })
    await chmod(tmp, mode)
    await rename(tmp, path)
  },
  remove: (path) => rm(path, { recursive: true, force: true }),
}

/** For a non-root user with sudo: reads directly, writes through `sudo -n` (install, tee, rm). */
export function sudoFs(exec: Exec): PmFs {
  const sudo = async (args: string[], input?: string) => {
    const r = await exec('sudo', ['-n', ...args], input === undefined ? undefined : { input })
    if (r.exitCode !== 0) throw new RunnerError('NEEDS_ROOT', `sudo ${args.join(' ')} failed: ${r.stderr.trim()}`, { where: args[args.length - 1] ?? 'sudo', hint: 'allow this user passwordless sudo (NOPASSWD), or run as root' })
  }
  return {
    ...reads,
    async writeFile(path, data, mode = 0o644) {
      await sudo(['install', '-d', '-m', '0755', dirname(path)])
      await sudo(['tee', path], data)
      await sudo(['chmod', mode.toString(8), path])
    },
    remove: (path) => sudo(['rm', '-rf', path]),
  }
}

/** First executable named `name` on PATH. */
export async function whichOnPath(name: string, path = process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name)
    if (await access(file, constants.X_OK).then(() => true, () => false)) return file
  }
  return undefined
}

/**
 * The real machine: node fs (through sudo when not root), PATH lookup. Repository keys come
 * through the caller's `http` (the installer's client: retries, proxies, mirror credentials,
 * redacted URLs); there is deliberately no global-`fetch` fallback.
 */
export function systemDeps(options: { exec: Exec; platform: Platform; http: PmDeps['http']; logger?: PmDeps['logger']; uid?: number; staleAfterMs?: number }): PmDeps {
  const uid = options.uid ?? process.getuid?.() ?? 0
  return {
    exec: options.exec,
    fs: uid === 0 ? localFs : sudoFs(options.exec),
    http: options.http,
    platform: options.platform,
    uid,
    which: (name) => whichOnPath(name),
    now: Date.now,
    logger: options.logger,
    staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
  }
}
