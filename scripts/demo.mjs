// `npm run demo`: after bootstrap (Node 24, pnpm, install, build), start a local mirror in the real
// upstream layouts (each demo feature's plugins/<id>/fixtures/mirror.ts: nodejs.org/dist from real
// Node binaries of the npm registry, releases.hashicorp.com, …), then run the real CLI against it
// into ./demo and show the result.
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildDemoMirror, mirrorSigningKey, startMirrorServer } from '../packages/fixture-mirror/dist/index.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const demo = join(root, 'demo')
rmSync(join(demo, 'toolcache'), { recursive: true, force: true })
rmSync(join(demo, 'bin'), { recursive: true, force: true })
mkdirSync(demo, { recursive: true })

console.log('• building the demo mirror (first run downloads a real Node 20 from the npm registry)…')
const mirror = await buildDemoMirror()
const server = await startMirrorServer(mirror.root)
console.log(`• mirror serving ${server.url} (<id>/ = plugins/<id>/fixtures/mirror.ts for ${Object.keys(mirror.mirrors).join(', ')})\n`)

const env = {
  ...process.env,
  RUNNER_TOOL_CACHE: join(demo, 'toolcache'),
  RUNNER_FEATURES_BIN_DIR: join(demo, 'bin'),
  RUNNER_FEATURES_CACHE_DIR: join(demo, 'cache'),
  RUNNER_FEATURES_MIRROR_NODEJS: `${server.url}nodejs/`,
  RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}terraform/`,
  // The demo mirror signs its checksum files with a generated demo key (not nodejs.org's or
  // HashiCorp's): trust it for this run, as a team trusts a mirror that re-signs (docs/trust.md).
  RUNNER_FEATURES_TRUSTED_KEYS: (await mirrorSigningKey()).publicKeyFile,
}

let failed = false
/** Runs a command visibly. Async on purpose: the mirror server lives in this process. */
async function show(cmd, args) {
  console.log(`$ ${[cmd.replace(root, './'), ...args].join(' ')}`)
  const status = await new Promise((resolve) => {
    spawn(cmd, args, { stdio: 'inherit', env }).on('exit', (code) => resolve(code)).on('error', (err) => {
      console.error(err.message)
      resolve(1)
    })
  })
  console.log('')
  if (status !== 0) failed = true
}

try {
  await show(join(root, 'bin', 'runner'), ['features', 'install', 'nodejs@20', 'terraform@1.5.0'])
  await show(join(root, 'bin', 'runner'), ['features', 'list'])
  await show(join(demo, 'bin', 'node'), ['--version'])
  await show(join(demo, 'bin', 'terraform'), ['version'])
  await show(join(root, 'bin', 'runner'), ['features', 'install', 'nodejs@20', 'terraform@1.5.0'])
} finally {
  await server.close()
}
console.log(failed ? 'demo FAILED (see above)' : `demo done: tools in ${join(demo, 'toolcache')}, links in ${join(demo, 'bin')}`)
process.exit(failed ? 1 : 0)
