// Shared by the `.root.` tests: a cached Debian bookworm minbase root filesystem (debootstrap, once),
// copied per test file into a work dir with the repository's Node 24 and the built CLI, run with
// chroot. Needs root and debootstrap; `rootfsSkipReason` says why a test file must skip.
import { execa } from 'execa'
import { existsSync, readdirSync } from 'node:fs'
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
export const CACHE = join(REPO, '.cache/rootfs')
const ROOTFS_CACHE = join(CACHE, 'bookworm-minbase')
const MIRROR = process.env.RUNNER_FEATURES_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
export const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const debootstrap = ['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].find((p) => existsSync(p))

/** Why root tests cannot run here, or undefined when they can. */
export function rootfsSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (chroot and mount need it)'
  if (!debootstrap) return 'debootstrap is not installed (apt-get install debootstrap)'
  if (!existsSync(join(REPO, 'packages/cli/dist/fast.js'))) return 'the CLI is not built (pnpm run build)'
  return undefined
}

/** Wall-clock seconds per labelled step, printed by each test file at the end. */
export function timer() {
  const timings: Record<string, number> = {}
  return {
    timings,
    async timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
      const t0 = performance.now()
      try {
        return await fn()
      } finally {
        timings[label] = Math.round(performance.now() - t0) / 1000
      }
    },
  }
}

/** Paths mounted at or under `dir`, deepest first (from /proc/mounts). */
async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/mounts', 'utf8')
  return text.split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length)
}

/** Unmounts everything under `dir`, then removes it; refuses to `rm -rf` through a live mount. */
export async function cleanupWorkDir(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) await execa('umount', [m], { reject: false }).then((r) => (r.exitCode === 0 ? r : execa('umount', ['-l', m])))
  const left = await mountsUnder(dir)
  if (left.length) throw new Error(`still mounted, not removing ${dir}: ${left.join(', ')}`)
  await rm(dir, { recursive: true, force: true })
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Work dirs are `work-<pid>-*`. Leftovers of crashed runs are removed; those of live processes are
 * not (root test files run at once in separate vitest workers, and other checkouts' runs share the
 * cache). A dir without a pid in its name is removed only once it is a day old.
 */
async function removeStaleWorkDirs(): Promise<void> {
  for (const name of readdirSync(CACHE).filter((n) => n.startsWith('work-'))) {
    const pid = Number(/^work-(\d+)-/.exec(name)?.[1])
    const stale = pid ? !alive(pid) : Date.now() - (await stat(join(CACHE, name))).mtimeMs > 24 * 3600_000
    if (stale) await cleanupWorkDir(join(CACHE, name))
  }
}

/** debootstrap once, into a temp dir renamed into place, so a killed build never looks cached. */
async function ensureRootfs(): Promise<'cached' | 'built'> {
  if (existsSync(join(ROOTFS_CACHE, 'etc/os-release'))) return 'cached'
  const tmp = await mkdtemp(join(CACHE, `.bookworm-minbase.tmp-${process.pid}-`))
  try {
    const r = await execa(debootstrap!, ['--variant=minbase', 'bookworm', tmp, MIRROR], { reject: false, all: true })
    if (r.exitCode !== 0) throw new Error(`debootstrap failed (${r.exitCode}): ${String(r.all).slice(-2000)}`)
    await rename(tmp, ROOTFS_CACHE).catch(async (err: NodeJS.ErrnoException) => {
      // Another test file finished its debootstrap first: keep that one.
      if (!existsSync(join(ROOTFS_CACHE, 'etc/os-release'))) throw err
      await cleanupWorkDir(tmp)
    })
    return 'built'
  } catch (err) {
    await cleanupWorkDir(tmp)
    throw err
  }
}

/** A prepared chroot: `root` is its directory, `work` the per-file scratch dir holding it. */
export interface TestRoot {
  work: string
  root: string
  /** Runs a command inside the chroot with a clean environment plus `env`. */
  runIn(args: string[], options?: { env?: Record<string, string>; input?: string }): Promise<{ exitCode?: number; all?: string; stdout: string }>
  /** Every `apt-get …` run inside the chroot so far (a wrapper logs them). */
  aptCalls(): Promise<string[]>
  cleanup(): Promise<void>
}

/**
 * A fresh copy of the cached rootfs with the built CLI as `runner`, an `apt-get` wrapper that logs
 * every call, the host's resolv.conf and CA bundle, stale package lists (as in an image built hours
 * ago) and /proc mounted.
 */
export async function prepareRoot(timed: <T>(label: string, fn: () => Promise<T>) => Promise<T>): Promise<TestRoot> {
  await mkdir(CACHE, { recursive: true })
  await removeStaleWorkDirs()
  await timed('rootfs', ensureRootfs)
  const work = await mkdtemp(join(CACHE, `work-${process.pid}-`))
  const root = join(work, 'root')
  await timed('copy rootfs', () => execa('cp', ['-a', ROOTFS_CACHE, root]))
  // The cache dir came from mkdtemp (0700); as the chroot's `/` it must let other users through.
  await chmod(root, 0o755)
  await timed('copy node + CLI', async () => {
    const nodeDir = readdirSync(join(REPO, '.tools')).find((n) => /^node-v24\./.test(n))
    if (!nodeDir) throw new Error('no .tools/node-v24.* in the repository')
    // Hard-link copies (same filesystem, never written to): the repo's Node 24, and the built CLI
    // in its pnpm layout (relative symlinks into node_modules/.pnpm keep working).
    await execa('cp', ['-al', join(REPO, '.tools', nodeDir), join(root, 'opt/node')])
    const dest = join(root, 'opt/runner-features')
    await mkdir(join(dest, 'node_modules'), { recursive: true })
    await execa('cp', ['-al', join(REPO, 'node_modules/.pnpm'), join(dest, 'node_modules/.pnpm')])
    for (const group of ['packages', 'plugins']) {
      for (const name of readdirSync(join(REPO, group))) {
        const from = join(REPO, group, name)
        await mkdir(join(dest, group, name), { recursive: true })
        for (const entry of ['package.json', 'dist', 'bin', 'oclif.manifest.json', 'node_modules']) {
          if (existsSync(join(from, entry))) await execa('cp', ['-al', join(from, entry), join(dest, group, name, entry)])
        }
      }
    }
  })
  await writeFile(join(root, 'usr/local/bin/runner'), '#!/bin/sh\nexec /opt/node/bin/node /opt/runner-features/packages/cli/bin/run.js "$@"\n', { mode: 0o755 })
  // Every apt-get call is logged, so "the second run does not call apt" is checked, not assumed.
  await writeFile(join(root, 'usr/local/sbin/apt-get'), '#!/bin/sh\necho "apt-get $*" >> /var/log/runner-apt-calls.log\nexec /usr/bin/apt-get "$@"\n', { mode: 0o755 })
  await cp('/etc/resolv.conf', join(root, 'etc/resolv.conf'))
  const hostCa = existsSync('/etc/ssl/certs/ca-certificates.crt')
  if (hostCa) {
    await mkdir(join(root, 'etc/ssl/certs'), { recursive: true })
    await cp('/etc/ssl/certs/ca-certificates.crt', join(root, 'etc/ssl/certs/ca-certificates.crt'))
  }
  // Package lists as an image built hours ago has them: stale, so the first install must refresh
  // them exactly once (a just-debootstrapped rootfs would otherwise count as fresh).
  const lists = join(root, 'var/lib/apt/lists')
  await execa('find', [lists, '-maxdepth', '1', '-type', 'f', '-exec', 'touch', '-d', '3 hours ago', '{}', '+'])
  await execa('mount', ['-t', 'proc', 'proc', join(root, 'proc')])

  return {
    work,
    root,
    runIn: (args, options = {}) => {
      const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)
      return execa('chroot', [root, '/usr/bin/env', '-i', `PATH=${CHROOT_PATH}`, 'HOME=/root', 'LANG=C.UTF-8', 'RUNNER_TOOL_CACHE=/opt/hostedtoolcache', ...(hostCa ? ['NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'] : []), ...env, ...args], { reject: false, all: true, input: options.input })
    },
    aptCalls: async () => (await readFile(join(root, 'var/log/runner-apt-calls.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    cleanup: () => cleanupWorkDir(work),
  }
}
