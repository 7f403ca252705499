// `pnpm bench`: performance targets as ratios against floors measured in the same run, on this
// machine (see docs/benchmarks.md). Timings never go into unit tests.
//
//   floor           bare `node -e 0` of the same Node binary the CLI runs on
//   --version       ≤ 1.3× floor
//   features list   ≤ 1.5× floor with 30 plugins installed; flat from 0 to 100 plugins
//   no-op install   ≤ 2× floor, zero requests (the mirror is shut down while it is timed)
//   fresh install   a real 41 MB Node tarball from a loopback mirror, ≥ 2× faster than
//                   `curl -o && sha256sum && tar -xzf` on the same file
//
// Flags: --runs N (default 15), --check (exit 1 when a target is missed).
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const runs = Number(args[args.indexOf('--runs') + 1]) || 15
const check = args.includes('--check')
const node = process.execPath
const runner = join(root, 'packages', 'cli', 'bin', 'run.js')
const work = mkdtempSync(join(tmpdir(), 'rf-bench-'))

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

async function startMirror() {
  const child = spawn(node, [join(root, 'packages', 'fixture-mirror', 'dist', 'cli.js'), 'serve-demo'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d)))
    child.once('exit', (code) => reject(new Error(`mirror exited ${code}`)))
  })
  return { urls: JSON.parse(line.split('\n')[0]), stop: () => child.kill('SIGTERM') }
}

const results = []
function report(name, value, floor, target, kind = 'max') {
  const ratio = value / floor
  const ok = kind === 'max' ? ratio <= target : ratio >= target
  results.push({ name, ms: Math.round(value * 10) / 10, floorMs: Math.round(floor * 10) / 10, ratio: Math.round(ratio * 100) / 100, target: `${kind === 'max' ? '≤' : '≥'} ${target}`, ok })
}

try {
  const tc = join(work, 'toolcache')
  const env = (extra = {}) => ({ ...baseEnv, RUNNER_TOOL_CACHE: tc, RUNNER_FEATURES_BIN_DIR: join(work, 'bin'), RUNNER_FEATURES_CACHE_DIR: join(work, 'cache'), HOME: work, ...extra })

  // 1. start-up and list
  const p0 = pluginsDir(0), p30 = pluginsDir(30), p100 = pluginsDir(100)
  const a = measure({
    floor: [node, ['-e', '0']],
    version: [node, [runner, '--version'], env()],
    list0: [node, [runner, 'features', 'list'], env({ RUNNER_FEATURES_PLUGINS_DIR: p0 })],
    list30: [node, [runner, 'features', 'list'], env({ RUNNER_FEATURES_PLUGINS_DIR: p30 })],
    list100: [node, [runner, 'features', 'list'], env({ RUNNER_FEATURES_PLUGINS_DIR: p100 })],
    oclifHelp: [node, [runner, 'features', 'install', '--help'], env()],
  })
  report('runner --version', a.version, a.floor, 1.3)
  report('features list, 30 plugins', a.list30, a.floor, 1.5)
  report('features list, 100 vs 0 plugins (flat)', a.list100, a.list0, 1.15)
  const withCa = measure({ floor: [node, ['-e', '0'], { ...baseEnv, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt' }], version: [node, [runner, '--version'], { ...env(), NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt' }] }, Math.min(runs, 7))

  // 2. installs against a loopback mirror (in its own process, so it never competes with timing code)
  const mirror = await startMirror()
  const mirrorEnv = { RUNNER_FEATURES_MIRROR_NODEJS: mirror.urls.nodejs, RUNNER_FEATURES_MIRROR_TERRAFORM: mirror.urls.hashicorp }
  time(node, [runner, 'features', 'install', 'nodejs@20', 'terraform@1.5.0'], env(mirrorEnv))
  const nodeVersion = JSON.parse(spawnSync(node, [runner, 'features', 'list', '--json'], { env: env(), encoding: 'utf8' }).stdout).installed.find((r) => r.id === 'nodejs').version
  const tarUrl = `${mirror.urls.nodejs}v${nodeVersion}/node-v${nodeVersion}-linux-x64.tar.gz`

  // Fresh installs, alternating with the shell pipeline, on the disk and (when present) on tmpfs.
  // Each run starts from a synced disk and writes into a new directory; nothing is deleted until
  // the series is over. Deleting a 190 MB tree on this VM's ext4 (mounted with `discard`) slows
  // the file creates of whatever runs next by 2-3×, for both tools alike, which measured the
  // filesystem's backlog rather than the tools (docs/benchmarks.md).
  const freshOn = (base, label) => {
    const fresh = [], shell = [], dirs = []
    try {
      for (let i = 0; i < Math.max(3, Math.min(runs, 5)); i++) {
        const d = mkdtempSync(join(base, 'rf-fresh-'))
        dirs.push(d)
        mkdirSync(join(d, 'x'), { recursive: true })
        spawnSync('sync')
        fresh.push(time(node, [runner, 'features', 'install', `nodejs@${nodeVersion}`, '--no-link'], { ...env(mirrorEnv), RUNNER_TOOL_CACHE: join(d, 'tc'), RUNNER_FEATURES_CACHE_DIR: join(d, 'cache') }))
        spawnSync('sync')
        shell.push(time('sh', ['-c', `curl -sSfo "${d}/n.tgz" "${tarUrl}" && sha256sum "${d}/n.tgz" >/dev/null && tar -xzf "${d}/n.tgz" -C "${d}/x"`]))
      }
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
      spawnSync('sync')
    }
    report(`fresh install node ${nodeVersion} vs curl+sha256sum+tar (${label})`, median(shell), median(fresh), 2, 'min')
    return { fresh: median(fresh), shell: median(shell) }
  }
  const disk = freshOn(work, 'disk')
  const shm = spawnSync('sh', ['-c', 'test -w /dev/shm && df -t tmpfs /dev/shm >/dev/null 2>&1']).status === 0 ? freshOn('/dev/shm', 'tmpfs') : undefined
  mirror.stop()

  // 3. no-op install with the mirror gone: any request would fail the command.
  const noop = measure({ floor: [node, ['-e', '0']], noop: [node, [runner, 'features', 'install', 'nodejs@20', 'terraform@1.5.0'], env(mirrorEnv)] })
  report('no-op install (mirror down: zero requests)', noop.noop, noop.floor, 2)

  console.log(`\nrunner-features benchmarks (${runs} runs, medians, ms; Node ${process.version}; NODE_EXTRA_CA_CERTS unset)\n`)
  const rows = [['case', 'ms', 'floor ms', 'ratio', 'target', ''], ...results.map((r) => [r.name, String(r.ms), String(r.floorMs), `${r.ratio}×`, r.target, r.ok ? 'ok' : 'MISSED'])]
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '))
  console.log(`\nfresh install (ratio = shell / runner): disk ${disk.fresh.toFixed(0)} ms vs ${disk.shell.toFixed(0)} ms${shm ? `; tmpfs ${shm.fresh.toFixed(0)} ms vs ${shm.shell.toFixed(0)} ms` : ''}`)
  console.log(`with NODE_EXTRA_CA_CERTS set: floor ${withCa.floor.toFixed(1)} ms, --version ${withCa.version.toFixed(1)} ms (${(withCa.version / withCa.floor).toFixed(2)}×)`)
  console.log(`oclif-routed command (features install --help): ${a.oclifHelp.toFixed(1)} ms (${(a.oclifHelp / a.floor).toFixed(2)}× floor) — the cost the fast paths avoid`)
  mkdirSync(join(root, '.bench'), { recursive: true })
  writeFileSync(join(root, '.bench', 'results.json'), `${JSON.stringify({ node: process.version, runs, results, disk, shm, withCa }, null, 2)}\n`)
  if (check && results.some((r) => !r.ok)) process.exitCode = 1
} finally {
  rmSync(work, { recursive: true, force: true })
}
