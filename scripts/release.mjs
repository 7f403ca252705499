#!/usr/bin/env node
// `pnpm release [--registry <url>] [--dry-run]`: the team's release in one command.
//
// 1. `changeset version` turns pending .changeset/*.md into version bumps and CHANGELOG entries;
// 2. `pnpm build` builds every package from the bumped sources (what gets packed is what was built);
// 3. `changeset publish` publishes every package whose version is not yet on the registry, and tags it.
//
// The registry is `--registry <url>`, else `npm_config_registry` from the environment, else npm's own
// default. It is passed on as `npm_config_registry`, which both changesets and npm honour, so the same
// command publishes to npmjs.org from CI and to a 127.0.0.1 registry in tests.
import { spawnSync } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const args = process.argv.slice(2)
const env = { ...process.env }
const at = args.indexOf('--registry')
if (at >= 0) {
  const url = args[at + 1]
  if (!url || !/^https?:\/\//.test(url)) {
    process.stderr.write(`error INVALID_ARGUMENT: --registry needs an http(s) URL, got ${JSON.stringify(url ?? '')}\n  hint: pnpm release --registry http://127.0.0.1:4873/\n`)
    process.exit(1)
  }
  env.npm_config_registry = url
}
const dryRun = args.includes('--dry-run')

function step(cmd, cmdArgs) {
  process.stderr.write(`[release] ${cmd} ${cmdArgs.join(' ')}\n`)
  const res = spawnSync(cmd, cmdArgs, { cwd: root, env, stdio: 'inherit' })
  if (res.status !== 0) {
    process.stderr.write(`error RELEASE_FAILED: \`${cmd} ${cmdArgs.join(' ')}\` exited with ${res.status ?? res.signal}\n  hint: fix the step above and run \`pnpm release\` again; already-published packages are skipped\n`)
    process.exit(1)
  }
}

step('pnpm', ['exec', 'changeset', 'version'])
step('pnpm', ['build'])
if (dryRun) process.stderr.write('[release] --dry-run: not publishing\n')
else step('pnpm', ['exec', 'changeset', 'publish'])
