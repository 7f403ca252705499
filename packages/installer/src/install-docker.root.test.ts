// Tagged `.root.`: needs root (chroot, mount) and debootstrap. Runs the built CLI's
// `runner features install docker` inside a real Debian bookworm rootfs against a local copy of
// Docker's apt repository layout (`<mirror>/linux/debian`, `…/gpg`), signed with a test key and
// served on 127.0.0.1 through `RUNNER_FEATURES_MIRROR_DOCKER`. Its docker-ce-cli carries the host's
// real docker client (Debian's docker.io, a test prerequisite); buildx and compose are small CLI
// plugin stand-ins that speak docker's plugin metadata protocol. Build first: `pnpm run build`.
import { existsSync } from 'node:fs'
import { execa } from 'execa'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { prepareRoot, rootfsSkipReason, timer, type TestRoot } from './testing/rootfs.js'
import { buildDeb, publishAptRepo, serveStatic, testGpg } from './testing/signed-apt-repo.js'

const HOST_DOCKER = ['/usr/bin/docker', '/usr/local/bin/docker'].find((p) => existsSync(p))
const skipReason = rootfsSkipReason() ?? (HOST_DOCKER ? undefined : 'no docker client on the host (apt-get install docker.io)')
if (skipReason) console.warn(`[install-docker.root.test] SKIPPED: ${skipReason}`)
const { timings, timed } = timer()
const CLIENT = ['docker-ce-cli', 'docker-buildx-plugin', 'docker-compose-plugin']
/** The host's docker client goes into the package, so the repository has the host's architecture. */
const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64'

/**
 * A docker CLI plugin stand-in: docker runs `<plugin> docker-cli-plugin-metadata` to discover it
 * (JSON with SchemaVersion 0.1.0), then `<plugin> <name> <args…>` for `docker <name> <args…>`.
 */
function cliPlugin(name: string, description: string, versionLine: string): string {
  return `#!/bin/sh
if [ "$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"runner-features tests","Version":"v0.0.0-rf","ShortDescription":"${description}"}'
  exit 0
fi
[ "$1" = ${name} ] && shift
if [ "$1" = version ]; then echo "${versionLine}"; exit 0; fi
echo "${name} stand-in: unsupported: $*" >&2
exit 1
`
}

describe.skipIf(skipReason !== undefined)('runner features install docker, inside a real Debian bookworm rootfs', () => {
  let t: TestRoot
  let base: string
  let goodFpr: string
  let closeServer: (() => Promise<void>) | undefined
  /** Mirror env for the CLI: `good` is signed with the key it serves, `forged` serves another key. */
  const mirrorEnv = (flavor: 'good' | 'forged') => ({ RUNNER_FEATURES_MIRROR_DOCKER: `${base}/${flavor}/`, RUNNER_FEATURES_MIRROR_DOCKER_KEY_FINGERPRINT: goodFpr })
  const install = (flavor: 'good' | 'forged') => t.runIn(['runner', 'features', 'install', 'docker'], { env: mirrorEnv(flavor) })
  const dpkgStatus = async (names: string[]) => (await t.runIn(['dpkg-query', '-W', '-f=${Package} ${db:Status-Status}\\n', ...names])).stdout

  beforeAll(async () => {
    t = await prepareRoot(timed)
    // The ARC runner image's user; core adds it to the docker group.
    const user = await t.runIn(['useradd', '-m', '-u', '1001', 'runner'])
    expect(user.exitCode, user.all).toBe(0)

    await timed('build the signed repositories', async () => {
      const site = join(t.work, 'site')
      const { gpg, newKey } = await testGpg(join(t.work, 'gnupg'))
      const good = await newKey('RF Docker Mirror', 'docker-mirror@example.invalid')
      const other = await newKey('RF Impostor', 'impostor@example.invalid')
      goodFpr = good.fingerprint
      // One set of packages (the docker client is ~45 MB to compress), hard-linked into both pools.
      const debs = join(t.work, 'debs')
      const built = join(t.work, 'built')
      await buildDeb(debs, built, { name: 'docker-ce-cli', version: '5:28.0.4-1~debian.12~bookworm', arch: ARCH, description: 'the host docker client, repackaged', files: [{ path: 'usr/bin/docker', copyFrom: HOST_DOCKER!, mode: 0o755 }] })
      await buildDeb(debs, built, { name: 'docker-buildx-plugin', version: '0.22.0-1~debian.12~bookworm', arch: ARCH, files: [{ path: 'usr/libexec/docker/cli-plugins/docker-buildx', content: cliPlugin('buildx', 'Docker Buildx (stand-in)', 'github.com/docker/buildx v0.22.0-rf stand-in'), mode: 0o755 }] })
      await buildDeb(debs, built, { name: 'docker-compose-plugin', version: '2.34.0-1~debian.12~bookworm', arch: ARCH, files: [{ path: 'usr/libexec/docker/cli-plugins/docker-compose', content: cliPlugin('compose', 'Docker Compose (stand-in)', 'Docker Compose version v2.34.0-rf'), mode: 0o755 }] })
      for (const [flavor, key] of [['good', good], ['forged', other]] as const) {
        const dir = join(site, flavor, 'linux/debian')
        await mkdir(join(dir, 'pool'), { recursive: true })
        await execa('cp', ['-al', built, join(dir, 'pool/stable')])
        await publishAptRepo(dir, { suite: 'bookworm', component: 'stable', arch: ARCH, gpg, signer: key.email })
        await writeFile(join(dir, 'gpg'), key.armored)
      }
      const served = await serveStatic(site)
      base = served.base
      closeServer = served.close
    })
  }, 600_000)

  afterAll(async () => {
    await closeServer?.()
    if (t) await t.cleanup()
    console.log(`[install-docker.root.test] timings (s): ${JSON.stringify(timings)}`)
  }, 120_000)

  // Runs first, on the untouched rootfs, so "nothing installed" means the docker packages, the
  // repository files and the group.
  test('a mirror serving another key than the expected one: REPOSITORY_KEY_MISMATCH, nothing added', async () => {
    const r = await timed('wrong key', () => install('forged'))
    console.log(`[install-docker.root.test] wrong key:\n${r.all}`)
    expect(r.exitCode).toBe(1)
    expect(r.all).toContain('error REPOSITORY_KEY_MISMATCH')
    expect(r.all).toContain(`${base}/forged/linux/debian/gpg`)
    expect(r.all).toContain(`expected ${goodFpr}`)
    expect(existsSync(join(t.root, 'etc/apt/sources.list.d/docker.sources'))).toBe(false)
    expect(existsSync(join(t.root, 'etc/apt/keyrings/docker.asc'))).toBe(false)
    expect(await dpkgStatus(CLIENT)).not.toContain('installed')
    expect((await t.runIn(['getent', 'group', 'docker'])).exitCode).toBe(2)
    expect((await t.aptCalls()).filter((c) => c.startsWith('apt-get install') && CLIENT.some((p) => c.includes(p)))).toEqual([])
  }, 600_000)

  test('installs CLI, buildx and compose from the signed repository; docker group gid 123 holds runner; a second run calls no apt', async () => {
    const before = (await t.aptCalls()).length
    const first = await timed('first install', () => install('good'))
    console.log(`[install-docker.root.test] first run:\n${first.all}`)
    expect(first.exitCode, first.all).toBe(0)

    // The repository went in with its own keyring, under the mirror's URL.
    const sources = await readFile(join(t.root, 'etc/apt/sources.list.d/docker.sources'), 'utf8')
    expect(sources).toBe(`Types: deb\nURIs: ${base}/good/linux/debian\nSuites: bookworm\nComponents: stable\nArchitectures: ${ARCH}\nSigned-By: /etc/apt/keyrings/docker.asc\n`)
    expect(await readFile(join(t.root, 'etc/apt/keyrings/docker.asc'), 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK')

    // apt installed exactly the client packages, from that repository.
    const calls = (await t.aptCalls()).slice(before)
    expect(calls.filter((c) => c.startsWith('apt-get install')).at(-1)).toMatch(/ docker-ce-cli docker-buildx-plugin docker-compose-plugin$/)
    expect((await dpkgStatus(CLIENT)).trim().split('\n').sort()).toEqual(CLIENT.map((p) => `${p} installed`).sort())
    const policy = await t.runIn(['apt-cache', 'policy', 'docker-ce-cli'])
    expect(policy.all).toContain(`${base}/good/linux/debian bookworm/stable ${ARCH} Packages`)

    // The smoke tests passed in the CLI run; the tools also work from a shell, as the runner user.
    for (const [cmd, expected] of [['docker --version', 'Docker version'], ['docker buildx version', 'github.com/docker/buildx v0.22.0-rf'], ['docker compose version', 'Docker Compose version v2.34.0-rf']] as const) {
      const r = await t.runIn(['su', 'runner', '-c', cmd])
      expect(r.all, cmd).toContain(expected)
    }

    // The ARC contract: group docker, gid 123, with the runner user in it.
    expect((await t.runIn(['getent', 'group', 'docker'])).stdout.trim()).toBe('docker:x:123:runner')
    expect((await t.runIn(['id', '-nG', 'runner'])).stdout.split(/\s+/)).toContain('docker')
    expect(first.all).toContain('created group docker (gid 123)')
    expect(first.all).not.toContain('engine was installed inside a container')

    const list = await t.runIn(['runner', 'features', 'list', '--json'])
    expect(list.all).toContain('apt:docker-ce-cli,docker-buildx-plugin,docker-compose-plugin')

    const count = (await t.aptCalls()).length
    const second = await timed('second install (no-op)', () => install('good'))
    console.log(`[install-docker.root.test] second run:\n${second.all}`)
    expect(second.exitCode, second.all).toBe(0)
    expect(second.all).toMatch(/already/i)
    expect((await t.aptCalls()).length).toBe(count)
  }, 600_000)
})
