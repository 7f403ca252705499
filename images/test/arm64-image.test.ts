// images/base built for linux/arm64, for real: a private dockerd builds the real Dockerfile
// (TARGETARCH=arm64) FROM an arm64 Debian base made with debootstrap, every RUN step executing
// arm64 binaries under qemu-user through binfmt_misc, then runs the image under the same emulation.
// The amd64 build of the same Dockerfile joins it in one OCI image index (buildah manifest, from
// Debian's buildah/skopeo/umoci; no buildx, no registry): both platforms must be listed, and each is
// pulled back out of the index by platform and run. What is not built here (nothing from GitHub):
// the real Actions runner (a stand-in), ARC's container hooks and the static docker CLI (build args
// `none`). See images/README.md. Skipped, with the reason printed, where root, dockerd, debootstrap,
// qemu-user-static or binfmt_misc are missing.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { sha256File, startMirrorServer } from '@runner-features/fixture-mirror'
import { mirror as goMirror } from '../../plugins/go/fixtures/mirror.ts'
import { loadBake } from './helpers/bake.js'
import { ensureArm64Binfmt, type Binfmt } from './helpers/binfmt.js'
import { loadRootfsImage } from './helpers/rootfs-image.js'
import { debootstrapTarball, ensureCommands, has, imageTestsBlocked, repo, run, runAsync, serveDir, startDaemon, startFixtureMirror, type Daemon, stepTimer } from './helpers/env.js'

/** What the Dockerfile's package step wants (tar and gzip are Essential): all present, so no apt runs under emulation. */
const ARM64_INCLUDE = ['ca-certificates', 'curl', 'git', 'jq', 'unzip', 'sudo', 'xz-utils', 'procps']
const BASE_OS = 'runner-features-test/debian:bookworm-arm64'
const BASE = 'runner-features-test/base:arm64'
const BASE_OS_AMD64 = 'runner-features-test/debian:bookworm' // the same tag and cached tarball as images.test.ts
const BASE_AMD64 = 'runner-features-test/base:amd64'
const GO = 'runner-features-test/go:arm64'
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
    // allSettled, and the daemon and mirror kept as soon as they run: when one step fails, afterAll
    // still stops what the others started (a failed prepare-context used to leave dockerd running).
    const settled = await Promise.allSettled([
      timed('arm64 debootstrap (or cache)', () => debootstrapTarball('arm64', ARM64_INCLUDE)),
      timed('dockerd start', () => startDaemon()).then((d) => { daemon = d }),
      timed('prepare context', async () => {
        const res = await runAsync(process.execPath, [join(repo, 'images', 'scripts', 'prepare-context.mjs'), '--out', join(work, 'context'), '--arch', 'x64,arm64'],
          { cwd: repo, env: { ...process.env, PNPM: join(repo, '.tools', 'bin', 'pnpm') } })
        if (res.status !== 0) throw new Error(`prepare-context failed:\n${res.stderr}`)
        return res.stdout.trim()
      }),
      timed('fixture mirror', () => startFixtureMirror()).then((m) => { mirror = m }),
    ])
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
    const tarball = (settled[0] as PromiseFulfilledResult<string>).value
    context = (settled[2] as PromiseFulfilledResult<string>).value
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

  /** The real images/base Dockerfile for one platform, with the stand-in runner and no GitHub downloads. */
  const buildBase = (platform: string, from: string, tag: string) => daemon.dockerAsync(['build', '--platform', platform, '--network', 'host',
    '-f', join(context, 'images', 'base', 'Dockerfile'),
    '--build-arg', `BASE_IMAGE=${from}`,
    '--build-arg', `RUNNER_DOWNLOAD_URL=${files.url}actions-runner-standin.tar.gz`,
    // Optional downloads from GitHub/Docker (unreachable here): skipped, which also keeps emulated work small.
    '--build-arg', 'RUNNER_CONTAINER_HOOKS_VERSION=none',
    '--build-arg', 'DOCKER_VERSION=none',
    '--build-arg', 'IMAGE_OS=debian12',
    '-t', tag, context])

  it('builds images/base for linux/arm64 (TARGETARCH=arm64) from the real Dockerfile', async () => {
    const res = await timed('build base arm64', () => buildBase('linux/arm64', BASE_OS, BASE))
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
      '-v', `${mirror.trustedKeyFile}:/etc/runner-features/trusted/mirror.asc:ro`, '-e', 'RUNNER_FEATURES_TRUSTED_KEYS=/etc/runner-features/trusted/mirror.asc',
      '-e', 'RUNNER_FEATURES=terraform@1.5.0', '-e', `RUNNER_FEATURES_MIRROR_TERRAFORM=${mirror.hashicorp}`, BASE,
      'bash', '-c', 'runner features list && terraform version']))
    expect(res.status, res.stderr).toBe(0)
    expect(res.stdout).toMatch(/terraform\s+1\.5\.0\s+(?:yes\s+)?arm64\s+\/opt\/hostedtoolcache\/terraform\/1\.5\.0\/arm64/)
    for (const id of ['common-utils', 'cuda', 'docker', 'nodejs', 'powershell', 'python', 'terraform']) expect(res.stdout).toMatch(new RegExp(`^\\s*${id}\\s+@runner-features/${id}\\s`, 'm'))
    expect(res.stdout).toContain('on linux_arm64') // the fixture terraform prints the platform it was built for
  }, 300_000)

  it('builds the go variant for linux/arm64 FROM the arm64 base as the bake target defines it; go runs under qemu', async () => {
    const t = (await loadBake(readFileSync(join(repo, 'images', 'docker-bake.hcl'), 'utf8'))).targets['go']!
    expect(t).toMatchObject({ dockerfile: 'images/variant/Dockerfile', contexts: { base: 'target:base' }, args: { BASE_IMAGE: 'base' } })
    expect(t.platforms).toContain('linux/arm64')
    // Debian's arm64 golang-1.19-go repacked as go.dev's linux-arm64 archive, next to the amd64 one.
    const go = await timed('go mirror with arm64 (or cache)', () => goMirror({ arm64: true }))
    const asset = go.assets.arm64!
    const server = await startMirrorServer(go.root)
    server.override('/dl/', go.listing) // what go.dev answers /dl/?mode=json&include=all with
    try {
      const args = Object.entries({ ...t.args, BASE_IMAGE: BASE }).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`])
      const res = await timed('build go variant arm64', () => daemon.dockerAsync(['build', '--platform', 'linux/arm64', '--network', 'host', '-f', join(context, t.dockerfile!), ...args,
        '--build-arg', `RUNNER_FEATURES_MIRRORS=go=${server.url}${go.base}`, '-t', GO, context]))
      expect(res.status, res.stderr.split('\n').filter((l) => !l.includes('set -eu')).join('\n').slice(-3000)).toBe(0)
      expect(server.requests.map((r) => r.path)).toContain(`/dl/${asset}`) // the arm64 archive, not the amd64 one
      expect(server.requests.map((r) => r.path)).not.toContain(`/dl/${go.assets.amd64}`)
    } finally {
      await server.close()
    }
    // At start the entry point installs the image's own config --frozen: a no-op, with no network.
    const out = await timed('run go variant arm64', () => daemon.dockerAsync(['run', '--rm', '--platform', 'linux/arm64', '--network', 'none',
      '-e', 'RUNNER_FEATURES_CONFIG=/etc/runner-features/variant/runner-config.yml', '-e', 'RUNNER_FEATURES_FROZEN=1', GO, 'bash', '-c', [
        'echo "arch=$(uname -m)"', 'go version', 'readlink -f "$(command -v go)"', `stat -c "owner=%U:%G" /opt/hostedtoolcache/go/${go.version}/arm64`,
        'echo ---lock---', 'cat /etc/runner-features/variant/runner-features.lock',
      ].join('; ')]))
    expect(out.status, out.stderr).toBe(0)
    expect(out.stderr).toContain('installed from /etc/runner-features/variant/runner-features.lock')
    expect(out.stdout).toContain('arch=aarch64')
    expect(out.stdout).toContain(`go version go${go.version} linux/arm64`) // Debian's arm64 go binary, run by qemu
    expect(out.stdout).toContain(`/opt/hostedtoolcache/go/${go.version}/arm64/bin/go`)
    expect(out.stdout).toContain('owner=runner:docker')
    const lock = parseYaml(out.stdout.split('---lock---\n')[1]!) as { features: Record<string, { platforms: Record<string, { url: string; sha256: string }> }> }
    expect(lock.features.go!.platforms).toEqual({ 'linux-arm64': expect.objectContaining({ url: `https://go.dev/dl/${asset}`, sha256: await sha256File(join(go.root, 'dl', asset)) }) })
    const history = daemon.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', GO]).stdout
    expect(history.split('\n').filter((l) => l.includes('bake-features.sh /etc/runner-features/variant')).length).toBe(1)
  }, 900_000)

  describe('one OCI image index for amd64 and arm64', () => {
    const toolsMissing = blocked ?? ensureCommands({ buildah: 'buildah', skopeo: 'skopeo', umoci: 'umoci' })
    if (toolsMissing) console.warn(`[arm64-image] image index SKIPPED: ${toolsMissing}`)
    const layout = () => join(work, 'index')
    const ref = () => `oci:${layout()}:latest`

    it.skipIf(toolsMissing !== undefined)('buildah writes one index over the amd64 and arm64 builds (skopeo and umoci read it)', async () => {
      const amd64Root = await timed('amd64 debootstrap (or cache)', () => debootstrapTarball('amd64'))
      await timed('docker load (amd64 base)', () => loadRootfsImage(daemon, amd64Root, BASE_OS_AMD64, 'amd64', work))
      const built = await timed('build base amd64', () => buildBase('linux/amd64', BASE_OS_AMD64, BASE_AMD64))
      expect(built.status, built.stderr.slice(-3000)).toBe(0)
      // Each build goes into one OCI layout as it is (docker save's layers are uncompressed and stay
      // so, which saves gzip-ing ~1 GB), then buildah writes the index over both into that layout.
      // buildah keeps its own storage in the work dir (vfs: no overlay mounts to clean up).
      await timed('docker save + skopeo copy into the OCI layout', async () => {
        for (const [arch, tag] of [['amd64', BASE_AMD64], ['arm64', BASE]] as const) {
          const archive = join(work, `base-${arch}.tar`)
          const saved = await daemon.dockerAsync(['save', '-o', archive, tag])
          expect(saved.status, saved.stderr).toBe(0)
          const copied = await runAsync('skopeo', ['copy', '-q', '--dest-oci-accept-uncompressed-layers', `docker-archive:${archive}`, `oci:${layout()}:${arch}`])
          expect(copied.status, copied.stderr).toBe(0)
          rmSync(archive)
        }
      })
      const buildah = (args: string[]) => runAsync('buildah', ['--root', join(work, 'buildah'), '--runroot', join(work, 'buildah-run'), '--storage-driver', 'vfs', ...args])
      await timed('buildah manifest', async () => {
        expect((await buildah(['manifest', 'create', 'runner-features-base'])).status).toBe(0)
        for (const arch of ['amd64', 'arm64']) {
          const added = await buildah(['manifest', 'add', 'runner-features-base', `oci:${layout()}:${arch}`])
          expect(added.status, added.stderr).toBe(0)
        }
        // Without --all: the images are in the layout already; only the index is written.
        const pushed = await buildah(['manifest', 'push', '-q', 'runner-features-base', ref()])
        expect(pushed.status, pushed.stderr).toBe(0)
      })

      const raw = run('skopeo', ['inspect', '--raw', ref()])
      expect(raw.status, raw.stderr).toBe(0)
      const index = JSON.parse(raw.stdout)
      expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
      expect(index.manifests.map((m: { platform: { os: string; architecture: string } }) => `${m.platform.os}/${m.platform.architecture}`).sort()).toEqual(['linux/amd64', 'linux/arm64'])
      for (const arch of ['amd64', 'arm64']) {
        const config = run('skopeo', ['--override-arch', arch, 'inspect', '--config', ref()])
        expect(config.status, config.stderr).toBe(0)
        expect(JSON.parse(config.stdout)).toMatchObject({ architecture: arch, os: 'linux', config: { User: 'runner' } })
      }
      // The index points at exactly the two images stored in the layout.
      const tags = run('umoci', ['ls', '--layout', layout()])
      expect(tags.status, tags.stderr).toBe(0)
      expect(tags.stdout.trim().split('\n').sort()).toEqual(['amd64', 'arm64', 'latest'])
      const stored = ['amd64', 'arm64'].map((arch) => JSON.parse(run('skopeo', ['inspect', `oci:${layout()}:${arch}`]).stdout).Digest)
      expect(index.manifests.map((m: { digest: string }) => m.digest).sort()).toEqual(stored.sort())
    }, 900_000)

    it.skipIf(toolsMissing !== undefined)('each platform, taken from the index by platform, runs (arm64 under qemu)', async () => {
      for (const [arch, machine, elf] of [['amd64', 'x86_64', '3e00'], ['arm64', 'aarch64', 'b700']] as const) {
        const tag = `runner-features-test/index:${arch}`
        const archive = join(work, `from-index-${arch}.tar`)
        const copied = await timed(`index ${arch} → docker-archive`, () => runAsync('skopeo', ['--override-arch', arch, 'copy', '-q', ref(), `docker-archive:${archive}:${tag}`]))
        expect(copied.status, copied.stderr).toBe(0)
        const loaded = await timed(`docker load ${arch}`, () => daemon.dockerAsync(['load', '-i', archive]))
        expect(loaded.status, loaded.stderr).toBe(0)
        rmSync(archive)
        const res = await timed(`run index ${arch}`, () => daemon.dockerAsync(['run', '--rm', '--platform', `linux/${arch}`, '--entrypoint', 'bash', tag, '-c',
          'echo "arch=$(uname -m)"; echo "node_elf=$(od -An -tx1 -j18 -N2 /opt/runner-features/node/bin/node | tr -d " ")"; runner --version']))
        expect(res.status, res.stderr).toBe(0)
        expect(res.stdout).toContain(`arch=${machine}`)
        expect(res.stdout).toContain(`node_elf=${elf}`)
        expect(res.stdout).toContain(`@runner-features/cli/${CLI_VERSION} linux-${arch === 'amd64' ? 'x64' : 'arm64'} node-v${NODE_VERSION}`)
      }
    }, 600_000)
  })

  it('leaves no container running', () => {
    expect(daemon.docker(['ps', '-q']).stdout.trim()).toBe('')
  })
})
