// The real thing: a private dockerd, a Debian base made with debootstrap, images built from
// images/base, images/server-run, images/microvm and the bake variants go, chrome and chrome-go
// (images/variant, args read from docker-bake.hcl), containers run against the repo's fixture
// mirror and a stand-in Actions runner; the microVM image is booted by deploy/microvm's
// orchestrator in fresh namespaces (no KVM) against a fake GitHub API. Skipped (with the reason printed) where root, dockerd or debootstrap are
// unavailable; everything started here is stopped in afterAll.
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { debootstrapTarball, imageTestsBlocked, repo, run, runAsync, serveDir, startDaemon, startFixtureMirror, type Daemon, stepTimer } from './helpers/env.js'
import { startFakeGithub } from './helpers/fake-github.js'
import { parse as parseYaml } from 'yaml'
import { sha256File, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { mirror as goMirror, type GoMirror } from '../../plugins/go/fixtures/mirror.ts'
import { CHROME_SEMVER, CHROME_VERSION, mirror as chromeMirror, mirrorRules as chromeMirrorRules, type ChromeMirror } from '../../plugins/chrome/fixtures/mirror.ts'
import { loadBake, type Bake } from './helpers/bake.js'

const blocked = imageTestsBlocked()
if (blocked) console.warn(`[images] skipping image build/run tests: ${blocked}`)

const BASE_OS = 'runner-features-test/debian:bookworm'
const BASE = 'runner-features-test/base:test'
const BASE_BAKED = 'runner-features-test/base:baked'
const BASE_CHROME = 'runner-features-test/base:chrome'
const SERVER_RUN = 'runner-features-test/server-run:test'
const MICROVM = 'runner-features-test/microvm:test'
const GO = 'runner-features-test/go:test'
const CHROME = 'runner-features-test/chrome:test'
const CHROME_GO = 'runner-features-test/chrome-go:test'
/** Where containers see the fixture mirror's public key (it re-signs the upstreams' checksum files). */
const TRUSTED_KEY = '/etc/runner-features/trusted/mirror.asc'
const TOKEN = 'AAAARegTokenSECRET-0f1e2d3c4b5a'
/** The plugin policy that lets the third-party fixture plugin in (build arg RUNNER_PLUGINS_POLICY). */
const HELLO_POLICY = 'plugins:\n  - { name: "@acme/runner-feature-hello", version: "^0.3.0" }\n'
const JIT = 'eyJKSVQiOiJTRUNSRVQtY29uZmlnLTlhOGI3YyJ9'

const { timings, timed } = stepTimer()

/** The part of runner-features.lock the variant tests read. */
interface VariantLock {
  /** Per platform: the one artifact, or a list when a feature has several (chrome: chrome + chromedriver). */
  features: Record<string, { version: string; platforms: Record<string, { url: string; sha256: string } | Array<{ url: string; sha256: string }>> }>
}

describe.skipIf(blocked !== undefined)('runner images, built and run for real', () => {
  let daemon: Daemon
  let mirror: Awaited<ReturnType<typeof startFixtureMirror>>
  let files: Awaited<ReturnType<typeof serveDir>>
  let work: string
  let context: string
  const started = Date.now()

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rf-images-'))
    chmodSync(work, 0o755)
    // Independent slow steps in parallel: debootstrap (cached), dockerd, the build context, mirror.
    // allSettled, and the daemon and mirror kept as soon as they run: when one step fails, afterAll
    // still stops what the others started (a failed prepare-context used to leave dockerd running).
    const settled = await Promise.allSettled([
      timed('debootstrap (or cache)', () => debootstrapTarball('amd64')),
      timed('dockerd start', () => startDaemon()).then((d) => { daemon = d }),
      timed('prepare context', async () => {
        const res = await runAsync(process.execPath, [join(repo, 'images', 'scripts', 'prepare-context.mjs'), '--out', join(work, 'context'),
          '--plugin', join(repo, 'images', 'test', 'fixtures', 'plugins', 'hello')], { cwd: repo, env: { ...process.env, PNPM: join(repo, '.tools', 'bin', 'pnpm') } })
        if (res.status !== 0) throw new Error(`prepare-context failed:\n${res.stderr}`)
        return res.stdout.trim()
      }),
      timed('fixture mirror', () => startFixtureMirror()).then((m) => { mirror = m }),
    ])
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
    const tarball = (settled[0] as PromiseFulfilledResult<string>).value
    context = (settled[2] as PromiseFulfilledResult<string>).value
    // The stand-in Actions runner, served like a release download.
    const www = join(work, 'www')
    mkdirSync(www)
    const tar = run('tar', ['-C', join(repo, 'images', 'test', 'fixtures', 'actions-runner'), '-czf', join(www, 'actions-runner-standin.tar.gz'), '.'])
    expect(tar.status, tar.stderr).toBe(0)
    files = await serveDir(www)
    const imported = await timed('docker import', () => daemon.dockerAsync(['import', tarball, BASE_OS]))
    expect(imported.status, imported.stderr).toBe(0)
  }, 300_000)

  afterAll(async () => {
    await mirror?.stop()
    await files?.close()
    await daemon?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
    timings.total = Date.now() - started
    console.log(`[images] timings (ms): ${JSON.stringify(timings)}`)
  }, 120_000)

  const baseArgs = () => [
    'build', '--network', 'host', '-f', join(context, 'images', 'base', 'Dockerfile'),
    '--build-arg', `BASE_IMAGE=${BASE_OS}`,
    '--build-arg', `RUNNER_DOWNLOAD_URL=${files.url}actions-runner-standin.tar.gz`,
    '--build-arg', 'RUNNER_CONTAINER_HOOKS_VERSION=none',
    '--build-arg', 'DOCKER_VERSION=none',
    '--build-arg', 'IMAGE_OS=debian12',
    '--build-arg', 'RUNNER_PLUGINS=plugins/hello',
    '--build-arg', `RUNNER_PLUGINS_POLICY=${HELLO_POLICY}`,
  ]
  /** docker run arguments that make the container trust the fixture mirror's signing key. */
  const trust = () => ['-v', `${mirror.trustedKeyFile}:${TRUSTED_KEY}:ro`, '-e', `RUNNER_FEATURES_TRUSTED_KEYS=${TRUSTED_KEY}`]
  /** The same key for build-time installs (a public key, so a build arg is fine). */
  const trustArg = () => ['--build-arg', `RUNNER_FEATURES_TRUSTED_KEYS_ASC=${readFileSync(mirror.trustedKeyFile, 'utf8')}`]
  /** docker run with the stand-in's log dir mounted; returns the run and the recorded files. */
  function runRunner(env: Record<string, string>, extra: string[] = [], cmd: string[] = []) {
    const log = mkdtempSync(join(work, 'log-'))
    chmodSync(log, 0o777)
    const args = ['run', '--rm', '--network', 'host', '-v', `${log}:/log`, '-e', 'RUNNER_STANDIN_LOG_DIR=/log', ...trust(), ...extra]
    for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`)
    const res = daemon.docker([...args, BASE, ...cmd])
    const recorded: Record<string, string> = {}
    for (const f of readdirSync(log)) recorded[f] = readFileSync(join(log, f), 'utf8')
    return { res, recorded }
  }

  it('builds images/base from its Dockerfile against the debootstrap base', async () => {
    const res = await timed('build base', () => daemon.dockerAsync([...baseArgs(), '-t', BASE, context]))
    expect(res.status, res.stderr.slice(-3000)).toBe(0)
  }, 300_000)

  it('refuses a third-party RUNNER_PLUGINS entry without a plugin policy (PLUGIN_NOT_ALLOWED), so the build fails', async () => {
    const args = baseArgs()
    args.splice(args.indexOf(`RUNNER_PLUGINS_POLICY=${HELLO_POLICY}`) - 1, 2)
    const res = await timed('build base without policy', () => daemon.dockerAsync([...args, context])) // cached up to the plugins step
    expect(res.status).not.toBe(0)
    expect(res.stderr).toContain('PLUGIN_NOT_ALLOWED')
    expect(res.stderr).toContain('@acme/runner-feature-hello')
  }, 300_000)

  it('meets the ARC runner-image contract (user, groups, paths, env)', () => {
    const inspect = JSON.parse(daemon.docker(['image', 'inspect', BASE]).stdout)[0]
    expect(inspect.Config.User).toBe('runner')
    expect(inspect.Config.WorkingDir).toBe('/home/runner')
    const env: string[] = inspect.Config.Env
    expect(env).toContain('RUNNER_TOOL_CACHE=/opt/hostedtoolcache')
    expect(env).toContain('AGENT_TOOLSDIRECTORY=/opt/hostedtoolcache')
    expect(env).toContain('ImageOS=debian12')
    const script = [
      'echo "uid=$(id -u) gid=$(id -g) user=$(id -un) groups=$(id -Gn)"',
      'echo "docker_gid=$(getent group docker | cut -d: -f3)"',
      'echo "home=$HOME pwd=$(pwd)"',
      'test -x /home/runner/run.sh && test -x /home/runner/config.sh && test -d /home/runner/bin && test -d /home/runner/externals && echo runner_files=ok',
      'sudo -n true && echo sudo=ok',
      'stat -c "toolcache=%U:%G:%a" /opt/hostedtoolcache',
      'touch /opt/hostedtoolcache/.probe && rm /opt/hostedtoolcache/.probe && echo toolcache_writable=ok',
      'for t in git curl jq unzip; do command -v $t >/dev/null || echo missing=$t; done; echo tools=checked',
      'runner --version',
      'stat -c "policy=%U:%a" "$RUNNER_FEATURES_POLICY"',
    ].join('\n')
    const res = daemon.docker(['run', '--rm', '--entrypoint', 'bash', BASE, '-c', script])
    expect(res.status, res.stderr).toBe(0)
    const out = res.stdout
    expect(out).toContain('uid=1001 gid=1001 user=runner')
    expect(out).toMatch(/groups=.*\bdocker\b/)
    expect(out).toContain('docker_gid=123')
    expect(out).toContain('home=/home/runner pwd=/home/runner')
    expect(out).toContain('runner_files=ok')
    expect(out).toContain('sudo=ok')
    expect(out).toMatch(/toolcache=runner:docker:2775/)
    expect(out).toContain('toolcache_writable=ok')
    expect(out).not.toContain('missing=')
    expect(out).toMatch(/@runner-features\/cli\/\S+ linux-x64 node-v24\./)
    expect(out).toContain('policy=root:644') // the baked plugin policy: a job cannot widen it
  })

  it('installs RUNNER_FEATURES=nodejs@20 at container start from the mirror; the CLI keeps its own Node', () => {
    const script = 'runner features list; echo "node=$(node --version)"; runner --version; ls /opt/hostedtoolcache/node'
    const { res } = timedSync('run nodejs@20', () => runRunner({ RUNNER_FEATURES: 'nodejs@20', RUNNER_FEATURES_MIRROR_NODEJS: mirror.nodejs }, [], ['bash', '-c', script]))
    expect(res.status, res.stderr).toBe(0)
    expect(res.stdout).toMatch(/nodejs\s+20\.\d+\.\d+\s+yes\s+x64\s+\/opt\/hostedtoolcache\/node\/20\.\d+\.\d+\/x64/)
    expect(res.stdout).toMatch(/node=v20\./)
    expect(res.stdout).toMatch(/node-v24\./) // the CLI's Node did not change
    expect(res.stdout).toMatch(/hello\s+@acme\/runner-feature-hello\s+0\.3\.0/) // RUNNER_PLUGINS build arg
    const version = /node\/(20\.\d+\.\d+)\/x64/.exec(res.stdout)![1]
    const marker = daemon.docker(['run', '--rm', '--network', 'host', ...trust(), '-e', 'RUNNER_FEATURES=nodejs@20', '-e', `RUNNER_FEATURES_MIRROR_NODEJS=${mirror.nodejs}`, BASE,
      'bash', '-c', `test -f /opt/hostedtoolcache/node/${version}/x64.complete && test -x /opt/hostedtoolcache/node/${version}/x64/bin/node && echo marker=ok`])
    expect(marker.stdout).toContain('marker=ok')
  }, 120_000)

  it('registers with config.sh --url and a token that is never on a command line, in logs or in the job', () => {
    const { res, recorded } = runRunner({ GITHUB_CONFIG_URL: 'https://github.com/acme/app', RUNNER_TOKEN: TOKEN, RUNNER_NAME: 'ci-1', RUNNER_LABELS: 'linux,features' })
    expect(res.status, res.stderr).toBe(0)
    const argv = recorded['config.argv']!.split('\n')
    expect(argv).toEqual(expect.arrayContaining(['--unattended', '--url', 'https://github.com/acme/app', '--name', 'ci-1', '--labels', 'linux,features', '--ephemeral']))
    expect(argv).not.toContain('--token')
    expect(recorded['config.token']).toBe(TOKEN) // delivered, via config.sh's environment
    for (const f of ['config.argv', 'run.argv', 'run.env', 'job.env', 'job.cmdlines']) expect(recorded[f] ?? '', f).not.toContain(TOKEN)
    expect(res.stdout + res.stderr).not.toContain(TOKEN)
    expect(recorded['job.env']).toContain('RUNNER_TOOL_CACHE=/opt/hostedtoolcache')
  })

  it('registers with the ARC JIT config; it reaches run.sh only through the runner input env', () => {
    const { res, recorded } = runRunner({ ACTIONS_RUNNER_INPUT_JITCONFIG: JIT })
    expect(res.status, res.stderr).toBe(0)
    expect(recorded['config.argv']).toBeUndefined() // JIT needs no config.sh
    expect(recorded['run.jitconfig']).toBe(JIT)
    expect(recorded['run.argv']).toBe('')
    for (const f of ['run.env', 'job.env', 'job.cmdlines']) expect(recorded[f] ?? '', f).not.toContain(JIT)
    expect(res.stdout + res.stderr).not.toContain(JIT)
  })

  it('fails before registering when a feature cannot be installed', () => {
    const { res, recorded } = runRunner({ RUNNER_FEATURES: 'nodejs@999', RUNNER_FEATURES_MIRROR_NODEJS: mirror.nodejs, GITHUB_CONFIG_URL: 'https://github.com/acme/app', RUNNER_TOKEN: TOKEN })
    expect(res.status).toBe(70)
    expect(res.stderr).toContain('installing features failed')
    expect(recorded['config.argv']).toBeUndefined()
    expect(res.stdout + res.stderr).not.toContain(TOKEN)
  })

  it('job-started hook installs .github/runner-config.yml when it is on disk, and says so when it is not', () => {
    const checkout = join(work, 'checkout')
    mkdirSync(join(checkout, '.github'), { recursive: true })
    writeFileSync(join(checkout, '.github', 'runner-config.yml'), 'features:\n  - terraform@1.5.0\n')
    run('chmod', ['-R', 'a+rwX', checkout])
    const withConfig = runRunner({ ACTIONS_RUNNER_INPUT_JITCONFIG: JIT, RUNNER_FEATURES_JOB_HOOK: 'true', RUNNER_STANDIN_CHECKOUT: '/checkout', RUNNER_FEATURES_MIRROR_TERRAFORM: mirror.hashicorp },
      ['-v', `${checkout}:/checkout:ro`])
    expect(withConfig.res.status, withConfig.res.stderr).toBe(0)
    expect(withConfig.recorded['hook.out']).toMatch(/terraform@1\.5\.0 → 1\.5\.0\s+installed/)
    expect(withConfig.recorded['job.github_path']).toContain('/opt/hostedtoolcache/terraform/1.5.0/x64')
    const without = runRunner({ ACTIONS_RUNNER_INPUT_JITCONFIG: JIT, RUNNER_FEATURES_JOB_HOOK: 'true' })
    expect(without.res.status, without.res.stderr).toBe(0)
    expect(without.recorded['hook.out']).toContain('this hook runs before checkout')
  }, 120_000)

  it('bakes RUNNER_FEATURES in at build time (one layer) and installing them again at start is a no-op', async () => {
    const res = await timed('build base with baked features', () => daemon.dockerAsync([...baseArgs(),
      '--build-arg', 'RUNNER_FEATURES=terraform@1.5.0', '--build-arg', `RUNNER_FEATURES_MIRRORS=terraform=${mirror.hashicorp}`, ...trustArg(), '-t', BASE_BAKED, context]))
    expect(res.status, res.stderr.slice(-3000)).toBe(0)
    const out = daemon.docker(['run', '--rm', '-e', 'RUNNER_FEATURES=terraform@1.5.0', BASE_BAKED, 'bash', '-c',
      'terraform version && stat -c "%U:%G" /opt/hostedtoolcache/terraform/1.5.0/x64 && ls -A "$HOME/.cache" 2>/dev/null | wc -l'])
    expect(out.status, out.stderr).toBe(0)
    expect(out.stdout).toContain('Terraform v1.5.0')
    expect(out.stdout).toContain('runner:docker')
    // No mirror given at start and --network none: the no-op must not touch the network.
    const offline = daemon.docker(['run', '--rm', '--network', 'none', '-e', 'RUNNER_FEATURES=terraform@1.5.0', BASE_BAKED, 'runner', 'features', 'list'])
    expect(offline.status, offline.stderr).toBe(0)
    const history = daemon.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', BASE_BAKED]).stdout
    expect(history.split('\n').filter((l) => l.includes('bake-features.sh /etc/runner-features/base')).length).toBe(1)
    // Locked first, then installed --frozen: the lock stays in the image next to its config.
    const lock = daemon.docker(['run', '--rm', '--network', 'none', '--entrypoint', 'cat', BASE_BAKED, '/etc/runner-features/base/runner-features.lock'])
    expect(lock.status, lock.stderr).toBe(0)
    expect((parseYaml(lock.stdout) as VariantLock).features.terraform).toMatchObject({ version: '1.5.0', platforms: { 'linux-x64': expect.objectContaining({ url: expect.stringContaining('terraform_1.5.0_linux_amd64.zip') }) } })
  }, 300_000)

  describe('go and chrome from their fixture mirrors: installed at start, baked in the base, and the variants go, chrome and chrome-go (images/variant FROM the base, built as their bake targets define them)', () => {
    let bake: Bake
    let go: GoMirror
    let chrome: ChromeMirror
    let goServer: MirrorServer
    let chromeServer: MirrorServer
    /** Every variant build gets the same mirrors, as a team's CI would pass them. */
    const mirrorsArg = () => [`go=${goServer.url}${go.base}`, ...chromeMirrorRules(chromeServer.url).split(',')].join(' ')

    beforeAll(async () => {
      bake = await loadBake(readFileSync(join(repo, 'images', 'docker-bake.hcl'), 'utf8'))
      ;[go, chrome] = await Promise.all([timed('go mirror (or cache)', () => goMirror()), timed('chrome mirror (or cache)', () => chromeMirror())])
      goServer = await startMirrorServer(go.root)
      goServer.override('/dl/', go.listing) // what go.dev answers /dl/?mode=json&include=all with
      chromeServer = await startMirrorServer(chrome.root) // both Chrome for Testing hosts: cft/ and storage/
    }, 120_000)
    afterAll(async () => {
      await goServer?.close()
      await chromeServer?.close()
    })

    /**
     * `docker build` of one bake target for amd64, with the target's own Dockerfile and build args
     * from docker-bake.hcl (so the test cannot drift from bake); BASE_IMAGE, bake's named context
     * `target:base`, is the base image built above.
     */
    async function buildVariant(name: string, tag: string): Promise<void> {
      const t = bake.targets[name]!
      expect(t).toMatchObject({ dockerfile: 'images/variant/Dockerfile', contexts: { base: 'target:base' }, args: { BASE_IMAGE: 'base' } })
      expect(t.platforms).toContain('linux/amd64')
      const args = Object.entries({ ...t.args, BASE_IMAGE: BASE }).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`])
      const res = await timed(`build ${name} variant`, () => daemon.dockerAsync(['build', '--network', 'host', '-f', join(context, t.dockerfile!), ...args,
        '--build-arg', `RUNNER_FEATURES_MIRRORS=${mirrorsArg()}`, '-t', tag, context]))
      expect(res.status, res.stderr.split('\n').filter((l) => !l.includes('set -eu')).join('\n').slice(-3000)).toBe(0)
      // One layer installs the features (the RUN step is named by its commands in the history).
      const history = daemon.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', tag]).stdout
      expect(history.split('\n').filter((l) => l.includes('bake-features.sh /etc/runner-features/variant')).length).toBe(1)
    }

    /** The lock the image keeps (/etc/runner-features/variant; the base's: /etc/runner-features/base), parsed. */
    function imageLock(tag: string, dir = '/etc/runner-features/variant'): VariantLock {
      const res = daemon.docker(['run', '--rm', '--network', 'none', '--entrypoint', 'cat', tag, `${dir}/runner-features.lock`])
      expect(res.status, res.stderr).toBe(0)
      return parseYaml(res.stdout) as VariantLock
    }

    /**
     * Runs `script` in the variant the way a pod starts: the entry point first installs the
     * image's own config --frozen (RUNNER_FEATURES_CONFIG, plus `env`), which must be a no-op
     * that needs no network (--network none, no mirror given).
     */
    function runVariant(tag: string, env: Record<string, string>, script: string[], dir = '/etc/runner-features/variant') {
      const args = ['run', '--rm', '--network', 'none', '-e', `RUNNER_FEATURES_CONFIG=${dir}/runner-config.yml`, '-e', 'RUNNER_FEATURES_FROZEN=1']
      for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`)
      const out = daemon.docker([...args, tag, 'bash', '-c', script.join('; ')])
      expect(out.status, out.stderr).toBe(0)
      expect(out.stderr).toContain(`; installed from ${dir}/runner-features.lock`)
      expect(out.stderr).toMatch(/runner-config\.yml: \d+ features? in \d+ parallel groups?; installed from/)
      return out
    }

    /** What the chrome feature puts in the image (the fixture's stand-in binaries, see plugins/chrome/fixtures/README.md). */
    async function expectChrome(tag: string, out: { stdout: string }, lockDir?: string): Promise<void> {
      const dir = `/opt/hostedtoolcache/chrome/${CHROME_SEMVER}/x64`
      // The stand-ins print exactly what Chrome for Testing's binaries print for --version.
      expect(out.stdout).toContain(`Google Chrome for Testing ${CHROME_VERSION}`)
      expect(out.stdout).toContain(`ChromeDriver ${CHROME_VERSION} (`)
      expect(out.stdout).toContain(`chrome=${dir}/chrome-linux64/chrome\n`)
      expect(out.stdout).toContain(`chromedriver=${dir}/chromedriver-linux64/chromedriver\n`)
      expect(out.stdout).toContain('chrome_marker=ok')
      expect(out.stdout).toContain('chrome_owner=runner:docker')
      // CHROME_BIN / CHROMEWEBDRIVER (what the feature exports to a job) in the runner's .env, which the
      // Actions runner loads at start, read here line by line as it does; and in login shells (profile.d).
      expect(out.stdout).toContain(`dotenv_chrome: Google Chrome for Testing ${CHROME_VERSION}`)
      expect(out.stdout).toContain('dotenv_webdriver=ok\n')
      expect(out.stdout).toContain('dotenv_owner=runner\n')
      expect(out.stdout).toContain(`login_chrome_bin=${dir}/chrome-linux64/chrome\n`)
      // Upstream publishes no digest: the lock pinned the sha256 of the bytes fetched at build time, under the upstream URL.
      const up = `https://storage.googleapis.com/chrome-for-testing-public/${CHROME_VERSION}/linux64/`
      expect(imageLock(tag, lockDir).features.chrome).toMatchObject({
        version: CHROME_SEMVER,
        platforms: {
          'linux-x64': [
            expect.objectContaining({ url: `${up}chrome-linux64.zip`, sha256: await sha256File(join(chrome.root, chrome.zips.chrome)) }),
            expect.objectContaining({ url: `${up}chromedriver-linux64.zip`, sha256: await sha256File(join(chrome.root, chrome.zips.chromedriver)) }),
          ],
        },
      })
    }
    const chromeScript = [
      'chrome --version', 'chromedriver --version',
      'echo "chrome=$(readlink -f "$(command -v chrome)")"', 'echo "chromedriver=$(readlink -f "$(command -v chromedriver)")"',
      `test -f /opt/hostedtoolcache/chrome/${CHROME_SEMVER}/x64.complete && echo chrome_marker=ok`,
      `stat -c "chrome_owner=%U:%G" /opt/hostedtoolcache/chrome/${CHROME_SEMVER}/x64`,
      'while IFS= read -r l; do [ -n "$l" ] && export "$l"; done < /home/runner/.env; "$CHROME_BIN" --version | sed "s/^/dotenv_chrome: /"',
      'test -x "$CHROMEWEBDRIVER/chromedriver" && echo dotenv_webdriver=ok', 'stat -c "dotenv_owner=%U" /home/runner/.env',
      `bash -lc 'echo "login_chrome_bin=$CHROME_BIN"'`,
    ]

    it('RUNNER_FEATURES=go@<version> at container start: the job sees GOROOT_* through the runner .env; a restart adds no line; no secret in .env', async () => {
      const version = go.versions[0]!
      const [major, minor] = version.split('.')
      const goroot = `GOROOT_${major}_${minor}_X64=/opt/hostedtoolcache/go/${version}/x64`
      const env = { RUNNER_FEATURES: `go@${version}`, RUNNER_FEATURES_MIRROR_GO: `${goServer.url}${go.base}`, ACTIONS_RUNNER_INPUT_JITCONFIG: JIT }
      const name = `rf-start-go-${process.pid}`
      const log = mkdtempSync(join(work, 'log-'))
      chmodSync(log, 0o777)
      const args = ['run', '--name', name, '--network', 'host', '-v', `${log}:/log`, '-e', 'RUNNER_STANDIN_LOG_DIR=/log']
      for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`)
      try {
        // dockerAsync: the go mirror is served from this process, so the event loop must stay free.
        const first = await timed('run go@version at start', () => daemon.dockerAsync([...args, BASE]))
        expect(first.status, first.stderr).toBe(0)
        const job = readFileSync(join(log, 'job.env'), 'utf8')
        expect(job.split('\n')).toEqual(expect.arrayContaining([goroot, 'GOTOOLCHAIN=local'])) // loaded from .env by the runner, as a baked feature's
        expect(readFileSync(join(log, 'run.env'), 'utf8')).not.toContain('GOROOT_') // not in the entrypoint's own env: only through .env
        // The same container started again (a pod's container restarted): the install is a no-op and .env is unchanged.
        const again = await timed('restart go container', () => daemon.dockerAsync(['start', '-a', name]))
        expect(again.status, again.stderr).toBe(0)
        const dotenv = readFileSync(join(log, 'runner.dotenv'), 'utf8')
        expect(dotenv.split('\n').filter((l) => l.startsWith('GOROOT_'))).toEqual([goroot])
        expect(dotenv.split('\n').filter((l) => l.startsWith('GOTOOLCHAIN='))).toEqual(['GOTOOLCHAIN=local'])
        for (const text of [dotenv, first.stdout + first.stderr, again.stdout + again.stderr]) expect(text).not.toContain(JIT)
        expect(readFileSync(join(log, 'run.jitconfig'), 'utf8')).toBe(JIT)
      } finally {
        daemon.docker(['rm', '-f', name])
      }
    }, 120_000)

    it('the base bakes RUNNER_FEATURES=chrome from the mirror: locked first (no upstream digest), installed --frozen, CHROME_BIN in .env', async () => {
      const res = await timed('build base with chrome', () => daemon.dockerAsync([...baseArgs(), '--build-arg', 'RUNNER_FEATURES=chrome',
        '--build-arg', `RUNNER_FEATURES_MIRRORS=${mirrorsArg()}`, '-t', BASE_CHROME, context]))
      expect(res.status, res.stderr.split('\n').filter((l) => !l.includes('set -eu')).join('\n').slice(-3000)).toBe(0)
      const history = daemon.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', BASE_CHROME]).stdout
      expect(history.split('\n').filter((l) => l.includes('bake-features.sh /etc/runner-features/base')).length).toBe(1)
      const out = runVariant(BASE_CHROME, {}, chromeScript, '/etc/runner-features/base')
      expect(out.stdout).toMatch(new RegExp(`chrome@latest → ${esc(CHROME_SEMVER)}\\s+already installed`))
      await expectChrome(BASE_CHROME, out, '/etc/runner-features/base')
    }, 300_000)

    it('go: VARIANT_FEATURES from the bake target, locked and installed from the go.dev/dl mirror; go runs from the tool cache', async () => {
      await buildVariant('go', GO)
      const version = go.versions[0]!
      const asset = `go${version}.linux-amd64.tar.gz`
      // With go baked in, RUNNER_FEATURES=go@<version> at start is a no-op too.
      const out = runVariant(GO, { RUNNER_FEATURES: `go@${version}` }, [
        'go version', 'readlink -f "$(command -v go)"', `test -f /opt/hostedtoolcache/go/${version}/x64.complete && echo marker=ok`,
        `stat -c "owner=%U:%G" /opt/hostedtoolcache/go/${version}/x64`, 'id -un',
      ])
      expect(out.stdout).toMatch(new RegExp(`go@${esc(version)} → ${esc(version)}\\s+already installed`))
      expect(out.stdout).toContain(`go version go${version} linux/amd64`)
      expect(out.stdout).toContain(`/opt/hostedtoolcache/go/${version}/x64/bin/go`)
      expect(out.stdout).toContain('marker=ok')
      expect(out.stdout).toContain('owner=runner:docker')
      expect(out.stdout).toContain('\nrunner\n') // the base image's user, entry point unchanged
      // The lock kept in the image names the upstream URL and the sha256 the layer was built from.
      expect(imageLock(GO).features).toEqual({
        go: expect.objectContaining({ version, platforms: { 'linux-x64': expect.objectContaining({ url: `https://go.dev/dl/${asset}`, sha256: await sha256File(join(go.root, 'dl', asset)) }) } }),
      })
    }, 300_000)

    it('chrome: Chrome for Testing pinned in the lock at build (no upstream digest), chrome and chromedriver on PATH from the tool cache', async () => {
      await buildVariant('chrome', CHROME)
      // RUNNER_FEATURES naming the baked version: nothing to download, so no digest is needed either.
      const out = runVariant(CHROME, { RUNNER_FEATURES: `chrome@${CHROME_SEMVER}` }, [...chromeScript, 'command -v go || echo no_go'])
      expect(out.stdout).toMatch(new RegExp(`chrome@${esc(CHROME_SEMVER)} → ${esc(CHROME_SEMVER)}\\s+already installed at /opt/hostedtoolcache/chrome/${esc(CHROME_SEMVER)}/x64`))
      await expectChrome(CHROME, out)
      expect(out.stdout).toContain('no_go')
      expect(Object.keys(imageLock(CHROME).features)).toEqual(['chrome'])
    }, 300_000)

    it('chrome-go: both features in one layer, one lock', async () => {
      await buildVariant('chrome-go', CHROME_GO)
      const version = go.versions[0]!
      const out = runVariant(CHROME_GO, {}, [...chromeScript, 'go version', `stat -c "go_owner=%U:%G" /opt/hostedtoolcache/go/${version}/x64`])
      for (const [id, v] of [['chrome', CHROME_SEMVER], ['go', version]]) expect(out.stdout).toMatch(new RegExp(`${id}@latest → ${esc(v)}\\s+already installed`))
      await expectChrome(CHROME_GO, out)
      expect(out.stdout).toContain(`go version go${version} linux/amd64`)
      expect(out.stdout).toContain('go_owner=runner:docker')
      const lock = imageLock(CHROME_GO)
      expect(Object.keys(lock.features).sort()).toEqual(['chrome', 'go'])
      expect(lock.features.go!.platforms).toEqual({ 'linux-x64': expect.objectContaining({ url: `https://go.dev/dl/go${version}.linux-amd64.tar.gz` }) })
    }, 300_000)

    it('refuses a RUNNER_FEATURES_MIRRORS entry that is neither <feature>=<URL> nor <URL prefix>=<URL> (exit 64, nothing built)', async () => {
      chromeServer.resetRequests()
      const res = await daemon.dockerAsync(['build', '--network', 'host', '-f', join(context, 'images', 'variant', 'Dockerfile'), '--build-arg', `BASE_IMAGE=${BASE}`,
        '--build-arg', 'VARIANT_FEATURES=chrome', '--build-arg', `RUNNER_FEATURES_MIRRORS=${chromeServer.url}cft/`, context])
      expect(res.status).not.toBe(0)
      expect(res.stderr).toContain(`RUNNER_FEATURES_MIRRORS entry "${chromeServer.url}cft/" is neither <feature>=<URL> nor <upstream URL prefix>=<URL>`)
      expect(res.stderr).toMatch(/exit code: 64/)
      expect(chromeServer.requests).toEqual([]) // refused before any lock or download
    }, 300_000)
  })

  describe('microVM flavour, booted in a fresh PID/mount namespace (the VM stand-in; no KVM here)', () => {
    let rootfs: string

    it('builds images/microvm FROM the base and unpacks it as a VM root filesystem', async () => {
      const res = await timed('build microvm', () => daemon.dockerAsync(['build', '--network', 'host', '-f', join(context, 'images', 'microvm', 'Dockerfile'),
        '--build-arg', `BASE_IMAGE=${BASE}`, '-t', MICROVM, context]))
      expect(res.status, res.stderr.slice(-3000)).toBe(0)
      expect(JSON.parse(daemon.docker(['image', 'inspect', MICROVM]).stdout)[0].Config.Entrypoint).toEqual(['/usr/local/bin/runner-vm-init'])
      rootfs = join(work, 'microvm-rootfs')
      mkdirSync(rootfs)
      const id = daemon.docker(['create', MICROVM]).stdout.trim()
      const unpacked = await timed('export microvm rootfs', () => runAsync('bash', ['-c', 'set -o pipefail; docker export "$1" | tar -x -C "$2"', 'bash', id, rootfs],
        { env: { ...process.env, DOCKER_HOST: daemon.host } }))
      daemon.docker(['rm', id])
      expect(unpacked.status, unpacked.stderr).toBe(0)
    }, 300_000)

    it('two jobs, two fresh VMs: PID 1 init, features installed, JIT config only; the App key, token and JIT never in env, argv or files', async () => {
      const github = await startFakeGithub('acme')
      const keyFile = join(mkdtempSync(join(work, 'key-')), 'app.pem')
      writeFileSync(keyFile, github.privateKey, { mode: 0o600 })
      const toolcache = mkdtempSync(join(work, 'shared-toolcache-'))
      mkdirSync(join(toolcache, 'fake', '1.0.0', 'x64'), { recursive: true })
      writeFileSync(join(toolcache, 'fake', '1.0.0', 'x64.complete'), '')
      chmodSync(toolcache, 0o755)
      const log = mkdtempSync(join(work, 'vm-log-'))
      chmodSync(log, 0o777)
      const vmWork = join(work, 'vm-work')
      const keys = mkdtempSync(join(work, 'vm-keys-')) // only the public key: never the fixture key's directory
      writeFileSync(join(keys, 'mirror.asc'), readFileSync(mirror.trustedKeyFile))
      chmodSync(keys, 0o755)
      const args = [join(repo, 'deploy', 'microvm', 'orchestrator.mjs'), '--url', 'https://github.com/acme', '--api-url', github.url,
        '--launcher', 'namespace', '--rootfs', rootfs, '--jobs', '2', '--toolcache', toolcache, '--volume', `${log}:/log`, '--volume', `${keys}:/etc/runner-features/trusted`, '--work-dir', vmWork,
        '--env', `RUNNER_FEATURES_TRUSTED_KEYS=${TRUSTED_KEY}`,
        '--env', 'RUNNER_FEATURES=nodejs@20', '--env', `RUNNER_FEATURES_MIRROR_NODEJS=${mirror.nodejs}`,
        '--env', 'RUNNER_STANDIN_LOG_DIR=/log', '--env', 'RUNNER_STANDIN_LOG_PER_HOST=1', '--env', 'RUNNER_STANDIN_HOLD_FILE=/log/go']
      const child = spawn(process.execPath, args, {
        env: { PATH: process.env.PATH, GITHUB_APP_ID: github.appId, GITHUB_APP_INSTALLATION_ID: github.installationId, GITHUB_APP_PRIVATE_KEY_FILE: keyFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      child.stdout.on('data', (d: Buffer) => { out += d.toString() })
      child.stderr.on('data', (d: Buffer) => { out += d.toString() })
      const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? 1)))
      try {
        // While the first VM's job runs (held by the stand-in): look everywhere the VM can reach.
        const holding = await timed('microvm first job', async () => {
          for (let i = 0; i < 1200; i++) {
            const dir = readdirSync(log).find((d) => existsSync(join(log, d, 'job.holding')))
            if (dir) return dir
            if (child.exitCode !== null) break
            await new Promise((r) => setTimeout(r, 100))
          }
          throw new Error(`no VM reached its job:\n${out.slice(-3000)}`)
        })
        const keyBody = github.privateKey.split('\n')[1]!
        const secrets = () => [keyBody, ...github.tokens, ...github.jit.values()]
        expect(github.tokens).toHaveLength(1)
        const cmdlines = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => { try { return readFileSync(`/proc/${p}/cmdline`, 'utf8') } catch { return '' } }).join('\n')
        for (const s of secrets()) expect(cmdlines.includes(s), 'a secret on a host command line').toBe(false)
        const seen: string[] = []
        const scan = (dir: string) => {
          for (const name of readdirSync(dir)) {
            const f = join(dir, name)
            const st = statSync(f, { throwIfNoEntry: false })
            if (!st) continue
            if (st.isDirectory()) scan(f)
            else if (st.isFile() && st.size < 4 << 20 && name !== 'run.jitconfig') { // run.jitconfig: the stand-in runner's record of what it was given
              seen.push(f)
              const text = readFileSync(f, 'latin1')
              for (const s of secrets()) expect(text.includes(s), `${f} holds a secret`).toBe(false)
            }
          }
        }
        for (const d of [vmWork, toolcache, log]) scan(d) // the VM's writable layer, its secrets share and every other share
        expect(seen.some((f) => f.includes(`${holding}-`) && f.includes('/ns/upper/'))).toBe(true) // the scan did reach the VM's own files
        expect(readdirSync(join(vmWork, readdirSync(vmWork).find((d) => d.startsWith(`${holding}-`))!, 'secrets'))).toEqual([]) // the JIT file was read and deleted
        writeFileSync(join(log, 'go'), '')
        expect(await exited, out.slice(-3000)).toBe(0)
      } finally {
        if (child.exitCode === null) child.kill()
        await github.close()
      }
      expect(out).toContain('runner-vm: ran 2 VM(s)')
      const vms = [...github.jit.keys()]
      expect(vms).toHaveLength(2)
      for (const vm of vms) {
        const rec = (f: string) => readFileSync(join(log, vm, f), 'utf8')
        expect(out).toContain(`[${vm}] runner-vm-init: PID 1 on x86_64`)
        expect(rec('run.jitconfig')).toBe(github.jit.get(vm)) // this VM's own single-use registration reached the runner
        expect(rec('job.cmdlines').split('\n')[0]).toContain('/usr/local/bin/runner-vm-init') // PID 1 of the VM
        for (const f of ['job.env', 'job.cmdlines', 'run.env']) for (const s of [github.privateKey.split('\n')[1]!, ...github.tokens, ...github.jit.values()]) expect(rec(f).includes(s), `${vm}/${f}`).toBe(false)
        expect(rec('job.env')).not.toContain('GITHUB_APP')
        expect(rec('job.toolcache').split('\n')).toEqual(expect.arrayContaining(['fake', 'node'])) // the shared cache plus this VM's own install
      }
      expect(readdirSync(toolcache)).toEqual(['fake']) // nothing a VM installed reached the shared directory
      expect(readdirSync(vmWork)).toEqual([]) // both VMs discarded
      expect(github.calls.filter((c) => c.path.endsWith('/generate-jitconfig'))).toHaveLength(2)
      expect(github.calls.filter((c) => c.method === 'DELETE')).toHaveLength(2)
    }, 300_000)
  })

  describe('server-run', () => {
    it('builds images/server-run FROM the base (python, common tools and powershell through features, one layer)', async () => {
      const res = await timed('build server-run', () => daemon.dockerAsync(['build', '--network', 'host', '-f', join(context, 'images', 'server-run', 'Dockerfile'),
        '--build-arg', `BASE_IMAGE=${BASE}`, '--build-arg', `RUNNER_FEATURES_MIRRORS=powershell=${mirror.powershell}`, ...trustArg(), '-t', SERVER_RUN, context]))
      expect(res.status, res.stderr.slice(-3000)).toBe(0)
      const history = daemon.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', SERVER_RUN]).stdout
      expect(history.split('\n').filter((l) => l.includes('runner features install $SERVER_RUN_FEATURES')).length).toBe(1)
    }, 300_000)

    const scripts = join(repo, 'images', 'test', 'fixtures', 'scripts')
    function serverRun(env: Record<string, string>) {
      const out = mkdtempSync(join(work, 'out-'))
      chmodSync(out, 0o777)
      const args = ['run', '--rm', '--network', 'none', '-v', `${scripts}:/workspace/scripts:ro`, '-v', `${out}:/workspace/output`]
      for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`)
      return { res: daemon.docker([...args, SERVER_RUN]), out }
    }

    it('passes hostile parameters as literal argv elements and exits with the script status', () => {
      const parameters = {
        host: '"; rm -rf / #',
        cmd: '$(touch /tmp/pwned)',
        tick: '`id`',
        multi: 'line1\nline2\n',
        dash: '--help',
        n: 42,
        obj: { a: [1, true] },
        'exit-code': 7,
      }
      const { res, out } = serverRun({ JOB_ID: 'job-42', SCRIPT_ID: 'echo_args', PARAMETERS: JSON.stringify(parameters) })
      expect(res.status, res.stderr).toBe(7)
      const argv = JSON.parse(readFileSync(join(out, 'job-42', 'artifacts', 'argv.json'), 'utf8'))
      expect(argv).toEqual(['--host="; rm -rf / #', '--cmd=$(touch /tmp/pwned)', '--tick=`id`', '--multi=line1\nline2\n', '--dash=--help', '--n=42', '--obj={"a":[1,true]}', '--exit-code=7'])
      const report = JSON.parse(/REPORT (.*)/.exec(readFileSync(join(out, 'job-42', 'output.log'), 'utf8'))![1]!)
      expect(report).toMatchObject({ pwned: false, root_intact: true, uid: 1001, job_id: 'job-42' })
      expect(readFileSync(join(out, 'job-42', 'output.log'), 'utf8')).toContain('to stderr')
      expect(JSON.parse(readFileSync(join(out, 'job-42', 'result.json'), 'utf8'))).toMatchObject({ job_id: 'job-42', script: 'echo_args.py', exit_code: 7 })
    })

    it('runs a .ps1 through the tool-cache pwsh (stand-in from the mirror) with hostile parameters as literal argv', () => {
      const parameters = { name: '"; rm -rf / #', cmd: '$(touch /tmp/pwned)', tick: '`id`', multi: 'line1\nline2\n', dash: '-Command', n: 42, obj: { a: [1, true] } }
      const { res, out } = serverRun({ JOB_ID: 'job-ps', SCRIPT_ID: 'hello', PARAMETERS: JSON.stringify(parameters), PWSH_STANDIN_ARGV_FILE: '/workspace/output/job-ps/artifacts/pwsh.argv' })
      expect(res.status, res.stderr).toBe(0)
      const argv = readFileSync(join(out, 'job-ps', 'artifacts', 'pwsh.argv'), 'utf8').split('\0').slice(0, -1)
      expect(argv).toEqual(['/workspace/scripts/hello.ps1', '-name', '"; rm -rf / #', '-cmd', '$(touch /tmp/pwned)', '-tick', '`id`', '-multi', 'line1\nline2\n', '-dash', '-Command', '-n', '42', '-obj', '{"a":[1,true]}'])
      expect(readFileSync(join(out, 'job-ps', 'output.log'), 'utf8')).toContain('pwsh stand-in 7.5.2: ran /workspace/scripts/hello.ps1 with 14 argument(s)')
      expect(JSON.parse(readFileSync(join(out, 'job-ps', 'result.json'), 'utf8'))).toMatchObject({ job_id: 'job-ps', script: 'hello.ps1', exit_code: 0 })
      const where = daemon.docker(['run', '--rm', '--entrypoint', 'bash', SERVER_RUN, '-c',
        'readlink -f "$(command -v pwsh)"; test -f /opt/hostedtoolcache/pwsh/7.5.2/x64.complete && echo marker=ok; stat -c %U:%G /opt/hostedtoolcache/pwsh/7.5.2/x64; test -e /tmp/pwned && echo PWNED; runner features list'])
      expect(where.status, where.stderr).toBe(0)
      expect(where.stdout).toContain('/opt/hostedtoolcache/pwsh/7.5.2/x64/pwsh\nmarker=ok\nrunner:docker')
      expect(where.stdout).not.toContain('PWNED')
      expect(where.stdout).toMatch(/powershell\s+7\.5\.2\s+yes\s+x64/) // LINKED: yes
    })

    it('rejects bad ids, bad parameter names and missing scripts; .ps1 without pwsh fails clearly', () => {
      expect(serverRun({ JOB_ID: 'j', SCRIPT_ID: '../etc/passwd' }).res.status).toBe(64)
      expect(serverRun({ JOB_ID: '../x', SCRIPT_ID: 'echo_args' }).res.status).toBe(64)
      expect(serverRun({ JOB_ID: 'j', SCRIPT_ID: 'echo_args', PARAMETERS: '["not","an","object"]' }).res.status).toBe(64)
      expect(serverRun({ JOB_ID: 'j', SCRIPT_ID: 'echo_args', PARAMETERS: '{"a b; rm":"x"}' }).res.status).toBe(64)
      expect(serverRun({ JOB_ID: 'j', SCRIPT_ID: 'nope' }).res.status).toBe(66)
      const ps = serverRun({ JOB_ID: 'j', SCRIPT_ID: 'hello', PATH: '/usr/local/bin:/usr/bin:/bin' }) // pwsh's bin dir left off PATH
      expect(ps.res.status).toBe(69)
      expect(ps.res.stderr).toContain('install the powershell feature')
      const ok = serverRun({ JOB_ID: 'j0', SCRIPT_ID: 'echo_args', PARAMETERS: '' })
      expect(ok.res.status, ok.res.stderr).toBe(0)
    })

    it('has python, ssh and the common tools, and the scripts mount stays read-only', () => {
      const res = daemon.docker(['run', '--rm', '--entrypoint', 'bash', '-v', `${scripts}:/workspace/scripts:ro`, SERVER_RUN, '-c',
        'python3 --version && ssh -V && git --version && jq --version && (touch /workspace/scripts/x 2>/dev/null && echo writable || echo readonly)'])
      expect(res.status, res.stderr).toBe(0)
      expect(res.stdout).toMatch(/Python 3\.\d+/)
      expect(res.stdout).toContain('readonly')
    })
  })

  it('leaves no container running', () => {
    expect(daemon.docker(['ps', '-q']).stdout.trim()).toBe('')
  })
})

function timedSync<T>(name: string, fn: () => T): T {
  const t0 = Date.now()
  try {
    return fn()
  } finally {
    timings[name] = Date.now() - t0
  }
}

/** `text` as a literal inside a RegExp (versions hold dots). */
function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
