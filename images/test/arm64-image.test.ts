// images/base built for linux/arm64, for real: a private dockerd builds the real Dockerfile
// (TARGETARCH=arm64) FROM an arm64 Debian base made with debootstrap, every RUN step executing
// arm64 binaries under qemu-user through binfmt_misc, then runs the image under the same emulation.
// What is not built here (no buildx, no registry, nothing from GitHub): the multi-arch manifest list,
// the real Actions runner (a stand-in), ARC's container hooks and the static docker CLI (build args
// `none`). See images/README.md. Skipped, with the reason printed, where root, dockerd, debootstrap,
// qemu-user-static or binfmt_misc are missing.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureArm64Binfmt, type Binfmt } from './helpers/binfmt.js'
import { loadRootfsImage } from './helpers/rootfs-image.js'
import { debootstrapTarball, has, imageTestsBlocked, repo, run, runAsync, serveDir, startDaemon, startFixtureMirror, type Daemon, stepTimer } from './helpers/env.js'

/** What the Dockerfile's package step wants (tar and gzip are Essential): all present, so no apt runs under emulation. */
const ARM64_INCLUDE = ['ca-certificates', 'curl', 'git', 'jq', 'unzip', 'sudo', 'xz-utils', 'procps']
const BASE_OS = 'runner-features-test/debian:bookworm-arm64'
const BASE = 'runner-features-test/base:arm64'
const NODE_VERSION: string = JSON.parse(readFileSync(join(repo, 'toolchain.json'), 'utf8')).node
const CLI_VERSION: string = JSON.parse(readFileSync(join(repo, 'packages', 'cli', 'package.json'), 'utf8')).version

let binfmt: Binfmt | undefined
const blocked = imageTestsBlocked()
  ?? (has('qemu-aarch64-static') ? undefined : 'qemu-user-static is not installed (apt-get install qemu-user-static)')
  ?? (binfmt = ensureArm64Binfmt()).blocked
if (blocked) console.warn(`[arm64-image] SKIPPED: ${blocked}`)

const { timings, timed } = stepTimer()

describe.skipIf(blocked !== undefined)('images/base built and run for linux/arm64 under qemu', () => {
  let daemon: Daemon
  let mirror: Awaited<ReturnType<typeof startFixtureMirror>>
  let files: Awaited<ReturnType<typeof serveDir>>
  let work: string
  let context: string
  const started = Date.now()

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rf-arm64-image-'))
    chmodSync(work, 0o755)
    const [tarball, d, ctx, m] = await Promise.all([
      timed('arm64 debootstrap (or cache)', () => debootstrapTarball('arm64', ARM64_INCLUDE)),
      timed('dockerd start', () => startDaemon()),
      timed('prepare context', async () => {
        const res = await runAsync(process.execPath, [join(repo, 'images', 'scripts', 'prepare-context.mjs'), '--out', join(work, 'context'), '--arch', 'arm64'],
          { cwd: repo, env: { ...process.env, PNPM: join(repo, '.tools', 'bin', 'pnpm') } })
        if (res.status !== 0) throw new Error(`prepare-context failed:\n${res.stderr}`)
        return res.stdout.trim()
      }),
      timed('fixture mirror', () => startFixtureMirror()),
    ])
    daemon = d
    mirror = m
    context = ctx
    // The stand-in Actions runner (shell scripts, so one tarball serves every arch).
    const www = join(work, 'www')
    mkdirSync(www)
    const tar = run('tar', ['-C', join(repo, 'images', 'test', 'fixtures', 'actions-runner'), '-czf', join(www, 'actions-runner-standin.tar.gz'), '.'])
    expect(tar.status, tar.stderr).toBe(0)
    files = await serveDir(www)
    await timed('docker load (arm64 base)', () => loadRootfsImage(daemon, tarball, BASE_OS, 'arm64', work))
  }, 1_200_000)

  afterAll(async () => {
    await mirror?.stop()
    await files?.close()
    await daemon?.stop()
    binfmt?.release()
    if (work) rmSync(work, { recursive: true, force: true })
    timings.total = Date.now() - started
    console.log(`[arm64-image] timings (ms): ${JSON.stringify(timings)}`)
  }, 120_000)

  it('builds images/base for linux/arm64 (TARGETARCH=arm64) from the real Dockerfile', async () => {
    const res = await timed('build base arm64', () => daemon.dockerAsync(['build', '--platform', 'linux/arm64', '--network', 'host',
      '-f', join(context, 'images', 'base', 'Dockerfile'),
      '--build-arg', `BASE_IMAGE=${BASE_OS}`,
      '--build-arg', `RUNNER_DOWNLOAD_URL=${files.url}actions-runner-standin.tar.gz`,
      // Optional downloads from GitHub/Docker (unreachable here): skipped, which also keeps emulated work small.
      '--build-arg', 'RUNNER_CONTAINER_HOOKS_VERSION=none',
      '--build-arg', 'DOCKER_VERSION=none',
      '--build-arg', 'IMAGE_OS=debian12',
      '-t', BASE, context]))
    expect(res.status, res.stderr.slice(-3000)).toBe(0)
    const inspect = JSON.parse(daemon.docker(['image', 'inspect', BASE]).stdout)[0]
    expect(inspect.Architecture).toBe('arm64')
    expect(inspect.Config.User).toBe('runner')
  }, 900_000)

  it('runs on aarch64 with the runner-image contract and the CLI on its own arm64 Node', async () => {
    const script = [
      'echo "arch=$(uname -m)"',
      'echo "uid=$(id -u) user=$(id -un) groups=$(id -Gn)"',
      'echo "docker_gid=$(getent group docker | cut -d: -f3)"',
      'sudo -n true && echo sudo=ok',
      'stat -c "toolcache=%U:%G:%a" /opt/hostedtoolcache',
      'echo "node_elf=$(od -An -tx1 -j18 -N2 /opt/runner-features/node/bin/node | tr -d " ")"',
      'runner --version',
    ].join('\n')
    const res = await timed('run contract', () => daemon.dockerAsync(['run', '--rm', '--platform', 'linux/arm64', '--entrypoint', 'bash', BASE, '-c', script]))
    expect(res.status, res.stderr).toBe(0)
    const out = res.stdout
    expect(out).toContain('arch=aarch64')
    expect(out).toContain('uid=1001 user=runner')
    expect(out).toMatch(/groups=.*\bdocker\b/)
    expect(out).toContain('docker_gid=123')
    expect(out).toContain('sudo=ok')
    expect(out).toContain('toolcache=runner:docker:2775')
    expect(out).toContain('node_elf=b700') // e_machine 0xb7: EM_AARCH64
    expect(out).toContain(`@runner-features/cli/${CLI_VERSION} linux-arm64 node-v${NODE_VERSION}`)
  }, 300_000)

  it('installs RUNNER_FEATURES at start (terraform\'s linux_arm64 build) and `runner features list` shows it', async () => {
    const res = await timed('run features', () => daemon.dockerAsync(['run', '--rm', '--platform', 'linux/arm64', '--network', 'host',
      '-e', 'RUNNER_FEATURES=terraform@1.5.0', '-e', `RUNNER_FEATURES_MIRROR_TERRAFORM=${mirror.hashicorp}`, BASE,
      'bash', '-c', 'runner features list && terraform version']))
    expect(res.status, res.stderr).toBe(0)
    expect(res.stdout).toMatch(/terraform\s+1\.5\.0\s+arm64\s+\/opt\/hostedtoolcache\/terraform\/1\.5\.0\/arm64/)
    for (const id of ['common-utils', 'cuda', 'docker', 'nodejs', 'powershell', 'python', 'terraform']) expect(res.stdout).toMatch(new RegExp(`^\\s*${id}\\s+@runner-features/${id}\\s`, 'm'))
    expect(res.stdout).toContain('on linux_arm64') // the fixture terraform prints the platform it was built for
  }, 300_000)

  it('leaves no container running', () => {
    expect(daemon.docker(['ps', '-q']).stdout.trim()).toBe('')
  })
})
