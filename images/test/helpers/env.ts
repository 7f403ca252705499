// Shared plumbing for the image tests: host tools, a private dockerd, the debootstrap base image,
// local HTTP servers. Everything a test starts is stopped by the matching stop function, by PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
// By path, not package name: plugin and CLI tests import this file, and the root typecheck resolves
// it from images/, where no node_modules links @runner-features/fixture-mirror.
import { mirrorSigningKey } from '../../../packages/fixture-mirror/src/index.ts'

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const imagesCache = join(repo, '.cache', 'images')

export interface Run {
  status: number
  stdout: string
  stderr: string
}

/** Runs a command to completion (argv, never a shell string). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Run {
  const res = spawnSync(cmd, args, {
    env: opts.env ?? process.env, input: opts.input, cwd: opts.cwd, encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 600_000,
  })
  if (res.error) return { status: 127, stdout: '', stderr: String(res.error) }
  return { status: res.status ?? 128, stdout: res.stdout, stderr: res.stderr }
}

/** Like run() but async, so a test process stays responsive while a long build runs. */
export function runAsync(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', (err) => done({ status: 127, stdout, stderr: stderr + String(err) }))
    child.on('close', (code) => done({ status: code ?? 128, stdout, stderr }))
  })
}

export const has = (cmd: string) => run('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0
export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

/**
 * Installs Debian packages that provide the given commands when they are missing (root only).
 * Returns a reason string when the commands are still unavailable.
 */
export function ensureCommands(wanted: Record<string, string>): string | undefined {
  const missing = Object.entries(wanted).filter(([cmd]) => !has(cmd))
  if (missing.length === 0) return undefined
  const names = missing.map(([cmd]) => cmd).join(', ')
  if (!isRoot() || !has('apt-get')) return `${names} missing and cannot be installed here (needs root and apt-get)`
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))]
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  let res = run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env })
  if (res.status !== 0) {
    run('apt-get', ['update'], { env })
    res = run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env })
  }
  const still = missing.filter(([cmd]) => !has(cmd)).map(([cmd]) => cmd)
  if (still.length) return `apt-get install ${pkgs.join(' ')} did not provide ${still.join(', ')}: ${res.stderr.slice(-400)}`
  return undefined
}

/** The docker CLI to drive our dockerd: the docker.io package's own (it has BuildKit built in). */
export function dockerCli(): string {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker'
}

export interface Daemon {
  dir: string
  host: string
  pid: number
  docker(args: string[], opts?: { input?: string }): Run
  dockerAsync(args: string[]): Promise<Run>
  stop(): Promise<void>
}

/** Starts a private dockerd (its own data root, exec root, socket; no bridge, no iptables). */
export async function startDaemon(): Promise<Daemon> {
  // Short path: the socket path must fit in sockaddr_un.
  const dir = mkdtempSync(join(tmpdir(), 'rfd-'))
  const host = `unix://${dir}/docker.sock`
  const log = openSync(join(dir, 'dockerd.log'), 'a')
  const start = (driver: string): ChildProcess => spawn('dockerd', [
    `--storage-driver=${driver}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
    '-H', host, '--pidfile', join(dir, 'dockerd.pid'), '--bridge=none', '--iptables=false', '--ip-masq=false',
  ], { stdio: ['ignore', log, log] })
  const cli = dockerCli()
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' }
  let child: ChildProcess | undefined
  for (const driver of ['overlay2', 'vfs']) {
    child = start(driver)
    const exited = new Promise<void>((r) => child!.once('exit', () => r()))
    let up = false
    for (let i = 0; i < 60 && child.exitCode === null; i++) {
      if (run(cli, ['version', '--format', '{{.Server.Version}}'], { env }).status === 0) { up = true; break }
      await new Promise((r) => setTimeout(r, 250))
    }
    if (up) break
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
    child = undefined
  }
  closeSync(log)
  if (!child) throw new Error(`dockerd did not start:\n${readFileSync(join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`)
  const proc = child
  const pid = proc.pid!
  return {
    dir, host, pid,
    docker: (args, opts = {}) => run(cli, args, { env, input: opts.input }),
    dockerAsync: (args) => runAsync(cli, args, { env }),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()))
        process.kill(pid, 'SIGTERM')
        const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }, 30_000)
        await exited
        clearTimeout(timer)
      }
      // dockerd unmounts its layers on a clean stop; anything left mounted under dir is unmounted first.
      const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir)).reverse()
      for (const m of mounts) run('umount', ['-l', m])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A Debian bookworm minbase root filesystem as a tarball, cached under .cache/images (outside any
 * docker data root) and written atomically. The packages the Dockerfiles would otherwise apt-get
 * are included, so image builds need no apt download for them. A foreign arch (arm64) needs
 * qemu-aarch64 registered with binfmt_misc (helpers/binfmt.ts): debootstrap's second stage runs
 * the arm64 dpkg and maintainer scripts under emulation.
 */
export const DEBOOTSTRAP_INCLUDE = ['ca-certificates', 'sudo', 'git', 'curl', 'jq', 'unzip', 'xz-utils', 'procps', 'python3', 'openssh-client']
export async function debootstrapTarball(arch = 'amd64', include = DEBOOTSTRAP_INCLUDE): Promise<string> {
  mkdirSync(imagesCache, { recursive: true })
  const key = `debian-bookworm-minbase-${arch}-${include.length}pkgs-v1.tar`
  const file = join(imagesCache, key)
  if (existsSync(file) && statSync(file).size > 0) return file
  const root = mkdtempSync(join(imagesCache, '.debootstrap-'))
  try {
    const mirror = process.env.RUNNER_FEATURES_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
    const res = await runAsync('debootstrap', ['--variant=minbase', `--arch=${arch}`, `--include=${include.join(',')}`, 'bookworm', root, mirror])
    if (res.status !== 0) throw new Error(`debootstrap failed (${res.status}):\n${(res.stdout + res.stderr).slice(-3000)}`)
    rmSync(join(root, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true })
    const tmp = `${file}.tmp-${process.pid}`
    const tar = run('tar', ['-C', root, '--numeric-owner', '-cf', tmp, '.'])
    if (tar.status !== 0) throw new Error(`tar of the debootstrap root failed: ${tar.stderr}`)
    renameSync(tmp, file)
    return file
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

/** Serves files from a directory on 127.0.0.1 (random port). */
export async function serveDir(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const name = basename(decodeURIComponent((req.url ?? '/').split('?')[0] ?? ''))
    const file = join(dir, name)
    if (!name || !existsSync(file)) { res.writeHead(404).end('not found'); return }
    res.writeHead(200, { 'content-length': statSync(file).size })
    createReadStream(file).pipe(res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) }
}

/**
 * The repo's fixture mirror (`fixture-mirror serve-demo`): nodejs, hashicorp and powershell mirrors
 * on 127.0.0.1. It re-signs the upstreams' checksum files with the fixture TEST key, so installs
 * from it need that key trusted: `trustedKeyFile` (armored public key) for RUNNER_FEATURES_TRUSTED_KEYS.
 */
export async function startFixtureMirror(): Promise<{ nodejs: string; hashicorp: string; powershell: string; trustedKeyFile: string; stop(): Promise<void> }> {
  const cli = join(repo, 'packages', 'fixture-mirror', 'dist', 'cli.js')
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm run build\` first`)
  const child = spawn(process.execPath, [cli, 'serve-demo'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const line = await new Promise<string>((res, rej) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) res(out.slice(0, nl))
    })
    child.once('exit', (code) => rej(new Error(`fixture mirror exited ${code}: ${err}`)))
  })
  const urls = JSON.parse(line) as { nodejs: string; hashicorp: string; powershell: string }
  return {
    ...urls,
    trustedKeyFile: (await mirrorSigningKey()).publicKeyFile,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((r) => child.once('exit', () => r()))
      process.kill(child.pid!, 'SIGTERM')
      await exited
    },
  }
}

/** Why the real image tests cannot run here, or undefined when they can. */
export function imageTestsBlocked(): string | undefined {
  if (process.env.RUNNER_FEATURES_SKIP_IMAGE_TESTS === '1') return 'RUNNER_FEATURES_SKIP_IMAGE_TESTS=1'
  if (process.platform !== 'linux') return `not Linux (${process.platform})`
  if (!isRoot()) return 'not root (dockerd and debootstrap need root)'
  return ensureCommands({ dockerd: 'docker.io', debootstrap: 'debootstrap' })
}

/** Wall-clock milliseconds per labelled step of an image test file (each prints them at its end). */
export function stepTimer(): { timings: Record<string, number>; timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> } {
  const timings: Record<string, number> = {}
  return {
    timings,
    async timed(name, fn) {
      const t0 = Date.now()
      try {
        return await fn()
      } finally {
        timings[name] = Date.now() - t0
      }
    },
  }
}
