// `pnpm bench`: performance targets as ratios against floors measured in the same run, on this
// machine (see docs/benchmarks.md). Timings never go into unit tests.
//
//   floor           bare `node -e 0` of the same Node binary the CLI runs on
//   --version       ≤ 1.3× floor, as users run it: bin/run.js, an npm-installed bin (symlink +
//                   `#!/usr/bin/env node`), the image's /usr/local/bin/runner wrapper, bin/runner
//   features list   ≤ 1.5× floor with 30 plugins installed; flat from 0 to 100 plugins
//   no-op install   ≤ 2× floor, zero requests (the mirror is shut down while it is timed)
//   fresh install   nodejs@20.20.2 from a loopback mirror, fresh dirs, alternating with mise
//                   (npm's @jdxcode/mise-linux-x64) on the same mirror: ≤ 1.0× mise (stretch 0.8×)
//   second install  same artifact into another tool cache (store of extracted trees): ≤ 0.2× fresh
//   five features   nodejs, terraform, powershell, go, java in one command: ≤ 1.3× the slowest alone
//
// Flags: --runs N (default 15; installs use min(N, 5) pairs), --check (exit 1 when a target is missed),
// --startup-only (only --version and features list: seconds, no installs, for a shared machine),
// --cli DIR (time that already deployed CLI, e.g. an older build for a before/after, instead of deploying this tree).
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const runs = Number(args[args.indexOf('--runs') + 1]) || 15
const check = args.includes('--check')
const startupOnly = args.includes('--startup-only')
const node = process.execPath
const work = mkdtempSync(join(tmpdir(), 'rf-bench-'))

/**
 * The CLI as a user installs it: `pnpm deploy` copies the built package with its production
 * dependencies (workspace packages as published: their dist) into a private dir, the way `npm i -g`
 * lays it out. It also keeps the run immune to a rebuild of the working tree while it is timed.
 */
function deployCli() {
  const dir = join(work, 'cli')
  const args = ['--filter', '@runner-features/cli', 'deploy', '--prod', '--legacy', dir]
  let res = spawnSync('pnpm', [...args, '--offline'], { cwd: root, encoding: 'utf8' })
  if (res.status !== 0) res = spawnSync('pnpm', args, { cwd: root, encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`pnpm deploy of the CLI failed (run \`pnpm build\` first): ${res.stderr || res.stdout}`)
  return join(dir, 'bin', 'run.js')
}
const cliArg = args.indexOf('--cli')
const runner = cliArg === -1 ? deployCli() : join(resolve(args[cliArg + 1]), 'bin', 'run.js')

// Figures without NODE_EXTRA_CA_CERTS (it triples Node's own start-up here: shared/reference/mise-aqua.md §6).
const baseEnv = { ...process.env }
delete baseEnv.NODE_EXTRA_CA_CERTS
for (const k of Object.keys(baseEnv)) if (k.startsWith('RUNNER_FEATURES_') || k === 'RUNNER_TOOL_CACHE' || k === 'AGENT_TOOLSDIRECTORY') delete baseEnv[k]

function time(cmd, argv, env = baseEnv) {
  const t = process.hrtime.bigint()
  const res = spawnSync(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  if (res.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${res.stderr}`)
  return ms
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/** Interleaves the measured commands run by run, so machine noise hits them alike. */
function measure(cases, n = runs) {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
  for (const [k, c] of Object.entries(cases)) time(...c) // warm-up (compile cache, page cache)
  for (let i = 0; i < n; i++) for (const [k, c] of Object.entries(cases)) samples[k].push(time(...c))
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]))
}

/** N dummy feature plugins in a plugins dir; their code throws if anyone imports it. */
function pluginsDir(n) {
  const dir = join(work, `plugins-${n}`)
  const deps = {}
  for (let i = 0; i < n; i++) {
    const name = `@bench/feature-${i}`
    const pdir = join(dir, 'node_modules', name)
    mkdirSync(join(pdir, 'dist'), { recursive: true })
    writeFileSync(join(pdir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', main: './dist/index.js', oclif: {}, runner: { feature: { id: `bench-${i}`, description: `bench feature ${i}`, toolName: `bench${i}`, defaultVersion: 'latest', upstream: 'https://example.invalid/', platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }] } } }))
    writeFileSync(join(pdir, 'dist', 'index.js'), 'throw new Error("imported plugin code while listing")\n')
    deps[name] = '1.0.0'
  }
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, dependencies: deps }))
  return dir
}

/** The five features' fixture mirrors, served by scripts/bench-mirror.mjs in its own process. */
async function startMirror() {
  const child = spawn(node, [join(root, 'scripts', 'bench-mirror.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d)))
    child.once('exit', (code) => reject(new Error(`bench mirror exited ${code}`)))
  })
  return { urls: JSON.parse(line.split('\n')[0]), stop: () => child.kill('SIGTERM') }
}

/** mise from the npm registry (`npm pack` checks the tarball's integrity), unpacked once under .cache/bench/. */
const MISE_VERSION = '2026.9.15'
function miseBinary() {
  const dir = join(root, '.cache', 'bench', `mise-${MISE_VERSION}`)
  const bin = join(dir, 'package', 'bin', 'mise')
  if (existsSync(bin)) return bin
  mkdirSync(dir, { recursive: true })
  const packed = spawnSync('npm', ['pack', `@jdxcode/mise-linux-x64@${MISE_VERSION}`, '--pack-destination', dir, '--silent'], { cwd: dir, encoding: 'utf8' })
  if (packed.status !== 0) throw new Error(`npm pack @jdxcode/mise-linux-x64@${MISE_VERSION} failed: ${packed.stderr}`)
  const untar = spawnSync('tar', ['-xzf', join(dir, packed.stdout.trim().split('\n').pop()), '-C', dir])
  if (untar.status !== 0) throw new Error(`unpacking mise failed: ${untar.stderr}`)
  return bin
}

const results = []
/** Prints the table of `results` and saves them, with `extra`, to .bench/results.json; exit 1 under --check when a target is missed. */
function printResults(extra) {
  console.log(`\nrunner-features benchmarks (${runs} runs, medians, ms; Node ${process.version}; NODE_EXTRA_CA_CERTS unset)\n`)
  const rows = [['case', 'ms', 'floor ms', 'ratio', 'target', ''], ...results.map((r) => [r.name, String(r.ms), String(r.floorMs), `${r.ratio}×`, r.target, r.ok ? 'ok' : 'MISSED'])]
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '))
  mkdirSync(join(root, '.bench'), { recursive: true })
  writeFileSync(join(root, '.bench', 'results.json'), `${JSON.stringify({ node: process.version, runs, results, ...extra }, null, 2)}\n`)
  if (check && results.some((r) => !r.ok)) process.exitCode = 1
}
function report(name, value, floor, target, kind = 'max') {
  const ratio = value / floor
  const ok = kind === 'max' ? ratio <= target : ratio >= target
  results.push({ name, ms: Math.round(value * 10) / 10, floorMs: Math.round(floor * 10) / 10, ratio: Math.round(ratio * 100) / 100, target: `${kind === 'max' ? '≤' : '≥'} ${target}`, ok })
}

try {
  const tc = join(work, 'toolcache')
  const env = (extra = {}) => ({ ...baseEnv, RUNNER_TOOL_CACHE: tc, RUNNER_FEATURES_BIN_DIR: join(work, 'bin'), RUNNER_FEATURES_CACHE_DIR: join(work, 'cache'), HOME: work, ...extra })

  // The CLI as users run it. npm links a package's bin as a symlink to bin/run.js, run through its
  // `#!/usr/bin/env node` with the runtime on PATH; the image runs a 1-line sh wrapper
  // (images/base/runner.sh) that execs its own Node; developers run bin/runner.
  const npmBin = join(work, 'npm-bin', 'runner')
  mkdirSync(dirname(npmBin), { recursive: true })
  symlinkSync(runner, npmBin)
  const imageWrapper = join(work, 'image-runner')
  writeFileSync(imageWrapper, readFileSync(join(root, 'images', 'base', 'runner.sh'), 'utf8').replaceAll('/opt/runner-features/node/bin/node', node).replaceAll('/opt/runner-features/cli', dirname(dirname(runner))))
  chmodSync(imageWrapper, 0o755)
  // bin/runner in a repository layout around the deployed copy (a rebuild of the working tree
  // mid-run cannot break it): <dev>/bin/runner, <dev>/.tools → the repo's, <dev>/packages/cli → the copy.
  const dev = join(work, 'dev')
  mkdirSync(join(dev, 'bin'), { recursive: true })
  mkdirSync(join(dev, 'packages'), { recursive: true })
  symlinkSync(join(root, '.tools'), join(dev, '.tools'))
  symlinkSync(dirname(dirname(runner)), join(dev, 'packages', 'cli'))
  const devWrapper = join(dev, 'bin', 'runner')
  writeFileSync(devWrapper, readFileSync(join(root, 'bin', 'runner')))
  chmodSync(devWrapper, 0o755)
  const userPath = `${dirname(node)}:${baseEnv.PATH ?? '/usr/bin:/bin'}`
  const as = (extra) => env({ PATH: userPath, ...extra })

  // 1. start-up and list
  const p0 = pluginsDir(0), p30 = pluginsDir(30), p100 = pluginsDir(100)
  const a = measure({
    floor: [node, ['-e', '0']],
    version: [node, [runner, '--version'], env()],
    versionNpm: [npmBin, ['--version'], as()],
    versionImage: [imageWrapper, ['--version'], as()],
    versionDev: [devWrapper, ['--version'], as()],
    list0: [node, [runner, 'features', 'list'], env({ RUNNER_FEATURES_PLUGINS_DIR: p0 })],
    list30: [node, [runner, 'features', 'list'], env({ RUNNER_FEATURES_PLUGINS_DIR: p30 })],
    list30Npm: [npmBin, ['features', 'list'], as({ RUNNER_FEATURES_PLUGINS_DIR: p30 })],
    list30Image: [imageWrapper, ['features', 'list'], as({ RUNNER_FEATURES_PLUGINS_DIR: p30 })],
    list100: [node, [runner, 'features', 'list'], env({ RUNNER_FEATURES_PLUGINS_DIR: p100 })],
    oclifHelp: [node, [runner, 'features', 'install', '--help'], env()],
  })
  report('runner --version (node bin/run.js)', a.version, a.floor, 1.3)
  report('runner --version (npm-installed bin)', a.versionNpm, a.floor, 1.3)
  report('runner --version (image wrapper)', a.versionImage, a.floor, 1.3)
  report('runner --version (dev bin/runner)', a.versionDev, a.floor, 1.3)
  report('features list, 30 plugins', a.list30, a.floor, 1.5)
  report('features list, 30 plugins (npm-installed bin)', a.list30Npm, a.floor, 1.5)
  report('features list, 30 plugins (image wrapper)', a.list30Image, a.floor, 1.5)
  report('features list, 100 vs 0 plugins (flat)', a.list100, a.list0, 1.15)
  const withCa = measure({ floor: [node, ['-e', '0'], { ...baseEnv, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt' }], version: [node, [runner, '--version'], { ...env(), NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt' }] }, Math.min(runs, 7))
  if (startupOnly) {
    printResults({ withCa })
    console.log(`\nwith NODE_EXTRA_CA_CERTS set: floor ${withCa.floor.toFixed(1)} ms, --version ${withCa.version.toFixed(1)} ms (${(withCa.version / withCa.floor).toFixed(2)}×)`)
    rmSync(work, { recursive: true, force: true })
    process.exit()
  }

  // 2. installs against the loopback mirrors. Signature checks are ON: the fixture mirrors sign
  // their checksum files with a test key, trusted here as a re-signing mirror's key would be.
  const mise = miseBinary()
  const mirror = await startMirror()
  const u = mirror.urls
  const mirrorEnv = { RUNNER_FEATURES_TRUSTED_KEYS: u.keys, RUNNER_FEATURES_MIRROR_NODEJS: u.nodejs, RUNNER_FEATURES_MIRROR_TERRAFORM: u.terraform, RUNNER_FEATURES_MIRROR_POWERSHELL: u.powershell, RUNNER_FEATURES_MIRROR_GO: u.go, RUNNER_FEATURES_MIRROR_JAVA: u.java }
  const NODE = '20.20.2'
  const pairs = Math.max(3, Math.min(runs, 5))
  /** A fresh tool cache, download cache and state under `d` (nothing shared with other runs). */
  const freshEnv = (d, cache = join(d, 'cache')) => env({ ...mirrorEnv, RUNNER_TOOL_CACHE: join(d, 'tc'), RUNNER_FEATURES_CACHE_DIR: cache, RUNNER_FEATURES_BIN_DIR: join(d, 'bin'), HOME: d })
  const miseEnv = (d) => ({ PATH: baseEnv.PATH, HOME: d, MISE_DATA_DIR: join(d, 'data'), MISE_CACHE_DIR: join(d, 'cache'), MISE_STATE_DIR: join(d, 'state'), MISE_CONFIG_DIR: join(d, 'config'), MISE_NODE_MIRROR_URL: u.nodejs, MISE_USE_VERSIONS_HOST: 'false', MISE_NODE_GPG_VERIFY: 'false', MISE_YES: '1' })

  // Fresh installs alternating with mise; then a second install of the same artifact into another
  // fresh tool cache that shares the first one's cache dir (the store of extracted trees). Each run
  // starts from a synced disk and writes into new directories; nothing is deleted until the series
  // is over (deleting a 190 MB tree on this VM's ext4, mounted with `discard`, slows the creates of
  // whatever runs next by 2-3×: docs/benchmarks.md).
  const fresh = [], second = [], miseRuns = [], dirs = []
  try {
    for (let i = 0; i < pairs; i++) {
      const d = mkdtempSync(join(work, 'fresh-')), d2 = mkdtempSync(join(work, 'second-')), m = mkdtempSync(join(work, 'mise-'))
      dirs.push(d, d2, m)
      const ours = () => {
        spawnSync('sync')
        fresh.push(time(node, [runner, 'features', 'install', `nodejs@${NODE}`, '--no-link'], freshEnv(d)))
        spawnSync('sync')
        second.push(time(node, [runner, 'features', 'install', `nodejs@${NODE}`, '--no-link'], freshEnv(d2, join(d, 'cache'))))
      }
      const theirs = () => {
        spawnSync('sync')
        miseRuns.push(time(mise, ['install', `node@${NODE}`], miseEnv(m)))
      }
      // Alternate which tool goes first, so neither always inherits the other's writeback.
      if (i % 2 === 0) { ours(); theirs() } else { theirs(); ours() }
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
    spawnSync('sync')
  }
  const install = { fresh: median(fresh), mise: median(miseRuns), second: median(second), pairs, samples: { fresh, mise: miseRuns, second } }
  report(`fresh install nodejs@${NODE} vs mise ${MISE_VERSION} (signatures on; mise: GPG off)`, install.fresh, install.mise, 1.0)
  report(`second install of the same artifact (store) vs fresh`, install.second, install.fresh, 0.2)

  // Five independent features: each alone, then all in one command, fresh dirs every time.
  const five = ['nodejs@20.20.2', 'terraform@1.5.0', 'powershell@7.4.6', 'go@1.19.8', 'java@17']
  const alone = Object.fromEntries(five.map((f) => [f, []]))
  const together = []
  const fiveDirs = []
  try {
    for (let i = 0; i < Math.min(pairs, 3); i++) {
      for (const f of five) {
        const d = mkdtempSync(join(work, 'one-'))
        fiveDirs.push(d)
        spawnSync('sync')
        alone[f].push(time(node, [runner, 'features', 'install', f, '--no-link'], freshEnv(d)))
      }
      const d = mkdtempSync(join(work, 'five-'))
      fiveDirs.push(d)
      spawnSync('sync')
      together.push(time(node, [runner, 'features', 'install', ...five, '--no-link'], freshEnv(d)))
    }
  } finally {
    for (const d of fiveDirs) rmSync(d, { recursive: true, force: true })
    spawnSync('sync')
  }
  const aloneMs = Object.fromEntries(Object.entries(alone).map(([f, xs]) => [f, median(xs)]))
  const slowest = Math.max(...Object.values(aloneMs))
  report('five features in one command vs the slowest alone', median(together), slowest, 1.3)

  // The no-op's tool cache: nodejs and terraform installed once, then the mirror goes away.
  time(node, [runner, 'features', 'install', 'nodejs@20', 'terraform@1.5.0'], env(mirrorEnv))
  mirror.stop()

  // 3. no-op install with the mirror gone: any request would fail the command.
  const noop = measure({
    floor: [node, ['-e', '0']],
    noop: [node, [runner, 'features', 'install', 'nodejs@20', 'terraform@1.5.0'], env(mirrorEnv)],
    noopImage: [imageWrapper, ['features', 'install', 'nodejs@20', 'terraform@1.5.0'], as(mirrorEnv)],
  })
  report('no-op install (mirror down: zero requests)', noop.noop, noop.floor, 2)
  report('no-op install, image wrapper (mirror down)', noop.noopImage, noop.floor, 2)

  printResults({ install, five: { together, alone }, withCa })
  console.log(`\nnodejs@${NODE}, ${install.pairs} pairs: runner ${install.fresh.toFixed(0)} ms, mise ${install.mise.toFixed(0)} ms, second install ${install.second.toFixed(0)} ms`)
  console.log(`  runner ${fresh.map((x) => x.toFixed(0)).join(' ')} | mise ${miseRuns.map((x) => x.toFixed(0)).join(' ')} | second ${second.map((x) => x.toFixed(0)).join(' ')}`)
  console.log(`five features: together ${median(together).toFixed(0)} ms; alone ${Object.entries(aloneMs).map(([f, ms]) => `${f} ${ms.toFixed(0)}`).join(', ')}`)
  console.log(`with NODE_EXTRA_CA_CERTS set: floor ${withCa.floor.toFixed(1)} ms, --version ${withCa.version.toFixed(1)} ms (${(withCa.version / withCa.floor).toFixed(2)}×)`)
  console.log(`oclif-routed command (features install --help): ${a.oclifHelp.toFixed(1)} ms (${(a.oclifHelp / a.floor).toFixed(2)}× floor) — the cost the fast paths avoid`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
