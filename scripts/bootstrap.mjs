#!/usr/bin/env node
// Bootstraps the toolchain on a fresh machine, then runs a workspace script with it.
//
// Why this exists: the machine ships only an end-of-life system Node (20) and npm, while oclif,
// vitest, execa, lerna and changesets need Node >= 22. Node 24 comes from the npm registry's
// `node-linux-<arch>` package (a real Node binary), pnpm from the registry too. Everything lands in
// `.tools/` and nothing is installed by hand. This file must therefore run on Node 20 and use only
// node:* built-ins.
//
// Usage: node scripts/bootstrap.mjs [pnpm-script [args...]]   (no script: set up only)
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, renameSync, writeFileSync, statSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { arch } from 'node:os'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const toolsDir = join(root, '.tools')
const pins = JSON.parse(readFileSync(join(root, 'toolchain.json'), 'utf8'))
const nodeArch = { x64: 'x64', arm64: 'arm64' }[arch()]
if (!nodeArch) fail(`unsupported CPU architecture ${arch()}`, 'the toolchain bootstrap supports x64 and arm64')

const log = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`)

function fail(what, hint) {
  process.stderr.write(`error BOOTSTRAP_FAILED: ${what}\n  hint: ${hint}\n`)
  process.exit(1)
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', ...opts })
  if (res.error) fail(`${cmd} could not start: ${res.error.message}`, `is ${cmd} on PATH?`)
  return res.status ?? 1
}

/** Installs Node from the npm registry's node-linux-<arch> package into .tools/node-v<ver>. */
function ensureNode() {
  const version = pins.node
  const dir = join(toolsDir, `node-v${version}-linux-${nodeArch}`)
  const bin = join(dir, 'bin', 'node')
  if (existsSync(join(dir, '.complete'))) return bin
  log(`installing Node ${version} from the npm registry (node-linux-${nodeArch}@${version})`)
  const staging = join(toolsDir, `.staging-node-${process.pid}`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  // `npm pack` verifies the registry's integrity hash before writing the tarball.
  const out = execFileSync('npm', ['pack', `node-linux-${nodeArch}@${version}`, '--json', '--pack-destination', staging], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [{ filename }] = JSON.parse(out)
  run('tar', ['-xzf', join(staging, filename), '-C', staging])
  const unpacked = join(staging, 'package')
  const check = spawnSync(join(unpacked, 'bin', 'node'), ['--version'], { encoding: 'utf8' })
  if (check.stdout?.trim() !== `v${version}`) fail(`the downloaded Node reports ${check.stdout || check.error}`, 'delete .tools and retry')
  writeFileSync(join(unpacked, '.complete'), '')
  rmSync(dir, { recursive: true, force: true })
  renameSync(unpacked, dir)
  rmSync(staging, { recursive: true, force: true })
  return bin
}

/** Installs pnpm (pinned) from the npm registry into .tools/pnpm-<ver>. */
function ensurePnpm(nodeBin) {
  const version = pins.pnpm
  const dir = join(toolsDir, `pnpm-${version}`)
  const entry = join(dir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs')
  if (existsSync(join(dir, '.complete'))) return entry
  log(`installing pnpm ${version} from the npm registry`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{"private":true}\n')
  const status = run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `pnpm@${version}`], {
    env: { ...process.env, PATH: `${dirname(nodeBin)}:${process.env.PATH}` },
  })
  if (status !== 0 || !existsSync(entry)) fail('npm could not install pnpm', 'check that the npm registry is reachable (npm ping)')
  writeFileSync(join(dir, '.complete'), '')
  return entry
}

/**
 * The suite's root-only tests (a Debian chroot via debootstrap, a local signed apt repository,
 * image builds with a Docker engine) need Debian packages. As root with apt-get, install the missing
 * ones; otherwise say which tests will skip. Never fatal: those tests report their own skip reason.
 */
function ensureSystemPackages(packages) {
  if (!packages.length) return
  const missing = packages.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true)
  if (!missing.length) return
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    log(`not root or no apt-get: root-only tests will skip (they need: ${missing.join(' ')})`)
    return
  }
  log(`installing test prerequisites with apt-get: ${missing.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  if (run('apt-get', ['update', '-qq'], { env }) !== 0 || run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env }) !== 0) {
    log('apt-get failed: root-only tests will report why they skip')
  }
}

/** Newest mtime among files that decide whether dependencies must be (re)installed. */
function newest(paths) {
  return Math.max(...paths.filter(existsSync).map((p) => statSync(p).mtimeMs))
}

function workspaceManifests() {
  const out = [join(root, 'package.json'), join(root, 'pnpm-lock.yaml'), join(root, 'pnpm-workspace.yaml')]
  for (const group of ['packages', 'plugins']) {
    const base = join(root, group)
    if (!existsSync(base)) continue
    for (const name of readdirSync(base)) out.push(join(base, name, 'package.json'))
  }
  return out
}

mkdirSync(toolsDir, { recursive: true })
const nodeBin = ensureNode()
const pnpmEntry = ensurePnpm(nodeBin)
const env = {
  ...process.env,
  PATH: `${join(root, '.tools', 'bin')}:${dirname(nodeBin)}:${process.env.PATH}`,
  RUNNER_FEATURES_REPO_NODE: nodeBin,
}
// A `pnpm` shim so scripts and people can call `pnpm` with the pinned Node.
mkdirSync(join(toolsDir, 'bin'), { recursive: true })
writeFileSync(join(toolsDir, 'bin', 'pnpm'), `#!/bin/sh\nexec "${nodeBin}" "${pnpmEntry}" "$@"\n`, { mode: 0o755 })
writeFileSync(join(toolsDir, 'bin', 'node'), `#!/bin/sh\nexec "${nodeBin}" "$@"\n`, { mode: 0o755 })

const pnpm = (args) => run(nodeBin, [pnpmEntry, ...args], { cwd: root, env })

const stamp = join(root, 'node_modules', '.bootstrap-installed')
if (!existsSync(stamp) || statSync(stamp).mtimeMs < newest(workspaceManifests())) {
  log('installing workspace dependencies (pnpm install --frozen-lockfile)')
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : []
  if (pnpm(['install', ...frozen]) !== 0) fail('pnpm install failed', 'see the output above; the lockfile must match package.json')
  writeFileSync(stamp, '')
}
if (process.env.RUNNER_FEATURES_SKIP_BUILD !== '1') {
  log('building packages')
  if (pnpm(['run', 'build']) !== 0) fail('the build failed', 'see the output above')
}

const [script, ...args] = process.argv.slice(2)
if (script === 'test:all') ensureSystemPackages(pins.testSystemPackages ?? [])
if (script) process.exit(pnpm(['run', script, ...args]))
