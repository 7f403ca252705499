// `mirror build` writes each feature's version index, trimmed to the locked version, so a mirror
// directory answers version resolution (`install nodejs@20`), not only `install --frozen`. Built
// from the fixture upstreams (terraform 1.5.0/1.5.7/1.6.0, nodejs, go), then installed with ONLY
// the mirror reachable: over `python3 -m http.server` with mirrorsOnly, and as a directory mirror
// in a network namespace without network (`unshare -n`, as root; CI runs as root).
import { execa, execaSync } from 'execa'
import { access, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { buildDemoMirror, pluginMirror, startMirrorServer, type DemoMirror, type MirrorServer, type PluginMirror } from '@runner-features/fixture-mirror'
import { RUNNER_BIN, freePort, sandbox, type RunResult, type Sandbox } from './helpers.js'
import { realKubectlUnavailable } from '../../../plugins/kubectl/test/real-kubectl.ts'

const isRoot = process.getuid?.() === 0

let demo: DemoMirror
let go: PluginMirror
let goVersion: string
let server: MirrorServer
let goServer: MirrorServer

beforeAll(async () => {
  demo = await buildDemoMirror({}, ['nodejs', 'terraform'])
  go = await pluginMirror('go')
  goVersion = go.versions[0]!
  server = await startMirrorServer(demo.root)
  goServer = await startMirrorServer(go.root)
  // The fixture server serves files only; go.dev answers the directory URL `dl/?mode=json…`.
  goServer.override(`/${go.base}`, (go as PluginMirror & { listing: Buffer }).listing)
}, 300_000)
afterAll(async () => {
  await server?.close()
  await goServer?.close()
})

/** The built CLI with no network at all: a fresh network namespace (root), else the plain process. */
async function offlineRun(box: Sandbox, args: string[]): Promise<RunResult> {
  if (!isRoot) return box.runner(args)
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('RUNNER_') && !k.startsWith('GITHUB_'))) as Record<string, string>
  const r = await execa('unshare', ['-n', process.execPath, RUNNER_BIN, ...args], { env: { ...clean, ...box.env }, extendEnv: false, reject: false, all: true, cwd: box.dir })
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) }
}


/** Every upstream host of the locked set sent to `<base><host>/`. */
const rewritesTo = (base: string) => ['nodejs.org', 'releases.hashicorp.com', 'go.dev'].map((h) => `https://${h}/=${base}${h}/`).join(',')

interface Manifest { features: Record<string, string>; frozenOnly: string[]; files: { path: string; kind: string; url: string }[] }

test('a built mirror resolves nodejs@20, terraform@1.5 and go@1.19 to the mirrored versions without --frozen (http with mirrorsOnly, and a directory with no network); an unmirrored version fails naming the mirror', async () => {
  const online = await sandbox({
    RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/`,
    RUNNER_FEATURES_MIRROR_NODEJS: `${server.url}nodejs/`,
    RUNNER_FEATURES_MIRROR_GO: `${goServer.url}${go.base}`,
  })
  let python: ReturnType<typeof execa> | undefined
  try {
    const repo = join(online.dir, 'repo')
    await mkdir(join(repo, '.github'), { recursive: true })
    const config = join(repo, '.github', 'runner-config.yml')
    await writeFile(config, 'features:\n  - nodejs@20\n  - terraform@1.5.0\n  - go@1.19\n')
    const lock = await online.runner(['features', 'lock', '--platform', 'linux-x64', '--config', config])
    expect(lock.exitCode, lock.all).toBe(0)
    const dir = join(online.dir, 'mirror')
    const built = await online.runner(['features', 'mirror', 'build', dir, '--config', config, '--json'])
    expect(built.exitCode, built.all).toBe(0)
    const manifest = JSON.parse(built.stdout) as Manifest
    const node = manifest.features.nodejs!
    expect(manifest.features).toMatchObject({ terraform: '1.5.0', go: goVersion })
    expect(manifest.frozenOnly).toEqual([])
    expect(manifest.files.filter((f) => f.kind === 'index').map((f) => [f.url, f.path])).toEqual([
      ['https://go.dev/dl/?mode=json&include=all', 'go.dev/dl/index.html'],
      ['https://nodejs.org/dist/index.json', 'nodejs.org/dist/index.json'],
      ['https://releases.hashicorp.com/terraform/index.json', 'releases.hashicorp.com/terraform/index.json'],
    ])
    // Upstream's format, only the mirrored version, nothing added.
    const tfIndex = JSON.parse(await readFile(join(dir, 'releases.hashicorp.com/terraform/index.json'), 'utf8')) as { name: string; versions: Record<string, unknown> }
    expect(tfIndex.name).toBe('terraform')
    expect(Object.keys(tfIndex.versions)).toEqual(['1.5.0'])
    const upstreamNode = JSON.parse(await readFile(join(demo.nodejs.root, 'index.json'), 'utf8')) as { version: string }[]
    expect(JSON.parse(await readFile(join(dir, 'nodejs.org/dist/index.json'), 'utf8'))).toEqual(upstreamNode.filter((e) => e.version === `v${node}`))
    expect((JSON.parse(await readFile(join(dir, 'go.dev/dl/index.html'), 'utf8')) as { version: string }[]).map((r) => r.version)).toEqual([`go${goVersion}`])

    const port = await freePort()
    python = execa('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { reject: false })
    const base = `http://127.0.0.1:${port}/`
    for (let i = 0; i < 100 && !(await fetch(base).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100))

    // Not frozen, no config: a command-line install resolves each spec against the mirror's indexes.
    // Upstream has terraform 1.5.7, so 1.5.0 proves the index came from the mirror.
    const http = await sandbox({ RUNNER_FEATURES_MIRRORS: rewritesTo(base), RUNNER_FEATURES_MIRRORS_ONLY: '1' })
    try {
      const r = await http.runner(['features', 'install', 'nodejs@20', 'terraform@1.5', 'go@1.19'], { cwd: http.dir })
      expect(r.exitCode, r.all).toBe(0)
      expect((await execa(join(http.binDir, 'terraform'), ['version'])).stdout).toContain('Terraform v1.5.0')
      expect((await execa(join(http.binDir, 'node'), ['--version'])).stdout.trim()).toBe(`v${node}`)
      expect((await execa(join(http.binDir, 'go'), ['version'])).stdout).toContain(`go${goVersion}`)

      const missing = await http.runner(['features', 'install', 'nodejs@18'], { cwd: http.dir })
      expect(missing.exitCode).toBe(1)
      expect(missing.stderr).toContain(`error VERSION_NOT_FOUND: nodejs@18 (argument): no release matches among the versions the mirror ${base}nodejs.org/dist/ lists`)
      expect(missing.stderr).toContain(`hint: nearest: ${node};`)
      expect(missing.stderr).toContain('lock nodejs@<version> and rebuild the mirror')
    } finally {
      await http.cleanup()
    }

    // The same directory as a file:// mirror, no network at all: go's `?mode=json` URL reads dl/index.html.
    const airGapped = await sandbox({ RUNNER_FEATURES_MIRRORS: rewritesTo(`${dir}/`), RUNNER_FEATURES_MIRRORS_ONLY: '1' })
    try {
      const r = await offlineRun(airGapped, ['features', 'install', 'go@1.19', 'terraform@1.5'])
      expect(r.exitCode, r.all).toBe(0)
      expect((await execa(join(airGapped.binDir, 'go'), ['version'])).stdout).toContain(`go${goVersion}`)
      expect((await execa(join(airGapped.binDir, 'terraform'), ['version'])).stdout).toContain('Terraform v1.5.0')
    } finally {
      await airGapped.cleanup()
    }
  } finally {
    python?.kill()
    await online.cleanup()
  }
}, 300_000)

// kubectl synthesizes its versions from dl.k8s.io's stable marker files, which cannot be trimmed
// to one version (a marker saying v1.33.9 means every 1.33 patch exists), so its plugin has no
// mirrorIndex: the build says so and the manifest lists it, and its frozen install still works.
test.skipIf(realKubectlUnavailable() !== undefined)('a feature whose plugin cannot trim its index is built frozen-only, with a warning and in the manifest; its frozen install from the mirror works', async () => {
  const kubectl = await pluginMirror('kubectl')
  const kubeServer = await startMirrorServer(kubectl.root)
  const online = await sandbox({ RUNNER_FEATURES_MIRROR_KUBECTL: kubeServer.url, RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/` })
  try {
    const repo = join(online.dir, 'repo')
    await mkdir(join(repo, '.github'), { recursive: true })
    const config = join(repo, '.github', 'runner-config.yml')
    await writeFile(config, `features:\n  - kubectl@${kubectl.versions[0]}\n  - terraform@1.5.0\n`)
    const lock = await online.runner(['features', 'lock', '--platform', 'linux-x64', '--config', config])
    expect(lock.exitCode, lock.all).toBe(0)
    const dir = join(online.dir, 'mirror')
    const built = await online.runner(['features', 'mirror', 'build', dir, '--config', config])
    expect(built.exitCode, built.all).toBe(0)
    expect(built.stderr).toContain(`kubectl@${kubectl.versions[0]}: no version index in the mirror, so it serves \`install --frozen\` only (the kubectl plugin does not say how to trim its version index (no mirrorIndex))`)
    expect(built.stdout).toContain('frozen installs only (no version index): kubectl')
    const manifest = JSON.parse(await readFile(join(dir, 'runner-features-mirror.json'), 'utf8')) as Manifest
    expect(manifest.frozenOnly).toEqual(['kubectl'])
    expect(manifest.files.filter((f) => f.kind === 'index').map((f) => f.path)).toEqual(['releases.hashicorp.com/terraform/index.json'])

    const airGapped = await sandbox({ RUNNER_FEATURES_MIRRORS: ['dl.k8s.io', 'releases.hashicorp.com'].map((h) => `https://${h}/=${dir}/${h}/`).join(','), RUNNER_FEATURES_MIRRORS_ONLY: '1' })
    try {
      const r = await offlineRun(airGapped, ['features', 'install', '--frozen', '--config', config])
      expect(r.exitCode, r.all).toBe(0)
      expect((await execa(join(airGapped.binDir, 'kubectl'), ['version', '--client'])).stdout).toContain(`v${kubectl.versions[0]}`)
    } finally {
      await airGapped.cleanup()
    }
  } finally {
    await kubeServer.close()
    await online.cleanup()
  }
}, 300_000)

// java lists versions from Adoptium's asset query, which a static server answers with one file for
// every platform and page (the query dropped): its mirrorIndex writes that file with the locked
// release only, and available_releases. The fixture upstream is a real JDK (Debian's OpenJDK 17
// repackaged as Temurin; needs apt-get download + dpkg-deb the first time).
const hasCommands = (...names: string[]) => names.every((n) => execaSync('sh', ['-c', 'command -v "$1"', 'sh', n], { reject: false }).exitCode === 0)
test.skipIf(!hasCommands('apt-get', 'dpkg-deb'))('java: the built mirror holds the trimmed asset list, so java@17 installs from the directory without --frozen and with no network', async () => {
  const java = (await pluginMirror('java')) as PluginMirror & { version: string; toolCacheDir: string }
  const javaServer = await startMirrorServer(java.root)
  const online = await sandbox({ RUNNER_FEATURES_MIRROR_JAVA: javaServer.url })
  try {
    const repo = join(online.dir, 'repo')
    await mkdir(join(repo, '.github'), { recursive: true })
    const config = join(repo, '.github', 'runner-config.yml')
    await writeFile(config, 'features:\n  - java@17\n')
    const lock = await online.runner(['features', 'lock', '--platform', 'linux-x64', '--config', config])
    expect(lock.exitCode, lock.all).toBe(0)
    const dir = join(online.dir, 'mirror')
    const built = await online.runner(['features', 'mirror', 'build', dir, '--config', config])
    expect(built.exitCode, built.all).toBe(0)
    expect(built.stderr).not.toContain('no version index')
    const manifest = JSON.parse(await readFile(join(dir, 'runner-features-mirror.json'), 'utf8')) as Manifest
    expect(manifest.frozenOnly).toEqual([])
    expect(manifest.files.filter((f) => f.kind === 'index').map((f) => f.path).sort()).toEqual(['api.adoptium.net/v3/assets/version/[1.0,100.0]', 'api.adoptium.net/v3/info/available_releases'])
    const listing = JSON.parse(await readFile(join(dir, 'api.adoptium.net', 'v3', 'assets', 'version', '[1.0,100.0]'), 'utf8')) as { version_data: { semver: string } }[]
    expect(listing.map((r) => r.version_data.semver)).toEqual([java.version])

    const airGapped = await sandbox({ RUNNER_FEATURES_MIRRORS: `https://api.adoptium.net/=${dir}/api.adoptium.net/`, RUNNER_FEATURES_MIRRORS_ONLY: '1' })
    try {
      const r = await offlineRun(airGapped, ['features', 'install', 'java@17'])
      expect(r.exitCode, r.all).toBe(0)
      expect(r.stdout).toContain(`java@17 → ${java.version}`)
      await access(join(airGapped.toolCache, 'Java_Temurin-Hotspot_jdk', `${java.toolCacheDir}`, 'x64.complete'))
    } finally {
      await airGapped.cleanup()
    }
  } finally {
    await javaServer.close()
    await online.cleanup()
  }
}, 300_000)
