#!/usr/bin/env node
// Assembles the Docker build context shared by every image under images/ (base, server-run, gpu):
//
//   <out>/images/...        a copy of images/ (Dockerfiles, entrypoints, hooks; not tests)
//   <out>/cli/              the `runner` CLI with its production node_modules (`pnpm deploy --prod`)
//   <out>/vendor/node-linux-<arch>-<version>.tgz
//                           the CLI's own Node runtime, from the npm registry's `node-linux-<arch>`
//                           package (`npm pack` checks the registry's integrity hash)
//   <out>/plugins/<name>/   extra plugin packages (--plugin <dir|tgz>), for the RUNNER_PLUGINS build arg
//
// The build then needs no registry access at all (apt aside), so no proxy CA or credential ever
// enters a layer. Downloads are cached under .cache/images/vendor and written atomically.
//
// Usage: node images/scripts/prepare-context.mjs [--out DIR] [--arch x64,arm64] [--plugin PATH]...
// Prints the context directory on stdout. Needs the workspace built (`pnpm run build`).
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(repo, '.cache', 'images', 'context') },
    arch: { type: 'string', default: 'x64' },
    plugin: { type: 'string', multiple: true, default: [] },
    'node-version': { type: 'string' },
  },
})
const log = (msg) => process.stderr.write(`[prepare-context] ${msg}\n`)
const pins = JSON.parse(readFileSync(join(repo, 'toolchain.json'), 'utf8'))
const nodeVersion = values['node-version'] ?? pins.node
const arches = values.arch.split(',').map((a) => a.trim()).filter(Boolean)
for (const a of arches) if (a !== 'x64' && a !== 'arm64') throw new Error(`--arch ${a}: expected x64 or arm64`)

const out = resolve(values.out)
const vendorCache = join(repo, '.cache', 'images', 'vendor')
mkdirSync(vendorCache, { recursive: true })

if (!existsSync(join(repo, 'packages', 'cli', 'dist', 'fast.js'))) {
  throw new Error('packages/cli is not built: run `pnpm run build` first')
}

// A fresh context every time: stale files in a context silently change images.
const staging = `${out}.staging-${process.pid}`
rmSync(staging, { recursive: true, force: true })
mkdirSync(join(staging, 'vendor'), { recursive: true })
mkdirSync(join(staging, 'plugins'), { recursive: true })

// 1. Dockerfiles and scripts.
cpSync(join(repo, 'images'), join(staging, 'images'), {
  recursive: true,
  filter: (src) => !src.startsWith(join(repo, 'images', 'test')) && !src.includes('node_modules'),
})

// 2. The CLI with production dependencies only (workspace packages copied, not linked).
log('pnpm deploy @runner-features/cli (production dependencies)')
const pnpm = process.env.PNPM ?? 'pnpm'
execFileSync(pnpm, ['--filter', '@runner-features/cli', 'deploy', '--prod', '--legacy', join(staging, 'cli')], {
  cwd: repo, stdio: ['ignore', 'ignore', 'inherit'],
})

// 3. Node for the CLI, one tarball per architecture.
for (const arch of arches) {
  const name = `node-linux-${arch}-${nodeVersion}.tgz`
  const cached = join(vendorCache, name)
  if (!existsSync(cached)) {
    log(`npm pack node-linux-${arch}@${nodeVersion}`)
    const tmp = join(vendorCache, `.tmp-${process.pid}-${arch}`)
    rmSync(tmp, { recursive: true, force: true })
    mkdirSync(tmp, { recursive: true })
    const res = JSON.parse(execFileSync('npm', ['pack', `node-linux-${arch}@${nodeVersion}`, '--json', '--pack-destination', tmp], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    }))
    renameSync(join(tmp, res[0].filename), cached)
    rmSync(tmp, { recursive: true, force: true })
  }
  linkOrCopy(cached, join(staging, 'vendor', name))
}

// 4. Extra plugins for the RUNNER_PLUGINS build arg.
for (const p of values.plugin) {
  const src = resolve(p)
  cpSync(src, join(staging, 'plugins', basename(src)), { recursive: true })
}

rmSync(out, { recursive: true, force: true })
mkdirSync(dirname(out), { recursive: true })
renameSync(staging, out)
process.stdout.write(`${out}\n`)

function linkOrCopy(from, to) {
  try {
    linkSync(from, to)
  } catch {
    cpSync(from, to)
  }
}
