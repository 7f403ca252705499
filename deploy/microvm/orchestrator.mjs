#!/usr/bin/env node
// runner-vm orchestrator: keeps ephemeral GitHub Actions runners, each in a fresh microVM of the
// images/microvm image. For every VM: get a single-use JIT config with the registration credential
// (which never leaves this process), write it into a per-VM 0700 directory shared into the VM,
// start the VM (runner-vm-init reads and deletes it, installs features, runs one job), wait for the
// VM to end, remove the runner registration if the VM ended without using it, delete the VM and
// its directory, start the next. Node >= 20, no dependencies. See images/microvm/README.md.
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { OrchestratorError, credentialFromEnv, githubClient, parseTarget } from './github.mjs'
import { krunvmLauncher, namespaceLauncher } from './launchers.mjs'

export const HELP = `Usage: orchestrator.mjs --url <github url> [options]

Runs ephemeral runners, one job per fresh microVM (images/microvm).

  --url URL              org (https://github.com/acme), repo (…/acme/app) or enterprise (…/enterprises/acme)
  --api-url URL          API base (default: api.github.com, or <host>/api/v3 for GHES)
  --launcher NAME        krunvm (default) or namespace (a no-KVM stand-in: not isolation, see README)
  --image REF            image for krunvm (default ghcr.io/acme/runner-features/microvm:latest)
  --rootfs DIR           unpacked image for the namespace launcher
  --concurrency N        VMs at a time (default 1)
  --jobs N               stop after N VMs (default 0: run until SIGTERM)
  --labels a,b           runner labels (default self-hosted,linux,microvm)
  --runner-group-id N    runner group (default 1, "Default")
  --name-prefix P        runner/VM name prefix (default rf-vm)
  --toolcache DIR        host tool cache, shared read-only into every VM (this user must not be able to write it)
  --volume HOST:GUEST    extra share (repeatable)
  --env KEY=VALUE        variable for the VM, e.g. RUNNER_FEATURES=nodejs@20 (repeatable; never secrets)
  --cpus N / --mem MiB   VM size for krunvm (default 2 / 4096)
  --work-dir DIR         per-VM directories (default $TMPDIR/runner-vm)

Credential, from the environment (files, never arguments):
  GITHUB_TOKEN_FILE, or GITHUB_APP_ID + GITHUB_APP_INSTALLATION_ID + GITHUB_APP_PRIVATE_KEY_FILE`

/** Names that must never be handed to a VM through --env. */
const SECRET_NAMES = /^(ACTIONS_RUNNER_INPUT_JITCONFIG|ACTIONS_RUNNER_INPUT_TOKEN|RUNNER_TOKEN|RUNNER_TOKEN_FILE|GITHUB_TOKEN|GITHUB_TOKEN_FILE|GITHUB_APP_PRIVATE_KEY|GITHUB_APP_PRIVATE_KEY_FILE|GH_TOKEN)$/

const int = (flag, v, min) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) throw new OrchestratorError('INVALID_FLAG', `${flag} ${v}: expected an integer >= ${min}`, { hint: `e.g. ${flag} ${Math.max(min, 1)}` })
  return n
}

/** Parses and checks the command line; pure apart from reading the credential files. */
export function parseConfig(argv, env) {
  let values
  try {
    values = parseFlags(argv)
  } catch (cause) {
    throw new OrchestratorError('INVALID_FLAG', cause.message, { hint: 'see --help', cause })
  }
  return checkConfig(values, env)
}

function parseFlags(argv) {
  return parseArgs({
    args: argv, strict: true,
    options: {
      url: { type: 'string' }, 'api-url': { type: 'string' }, launcher: { type: 'string', default: 'krunvm' },
      image: { type: 'string', default: 'ghcr.io/acme/runner-features/microvm:latest' }, rootfs: { type: 'string' },
      concurrency: { type: 'string', default: '1' }, jobs: { type: 'string', default: '0' },
      labels: { type: 'string', default: 'self-hosted,linux,microvm' }, 'runner-group-id': { type: 'string', default: '1' },
      'name-prefix': { type: 'string', default: 'rf-vm' }, toolcache: { type: 'string' },
      volume: { type: 'string', multiple: true, default: [] }, env: { type: 'string', multiple: true, default: [] },
      cpus: { type: 'string', default: '2' }, mem: { type: 'string', default: '4096' },
      'work-dir': { type: 'string', default: join(tmpdir(), 'runner-vm') }, help: { type: 'boolean', default: false },
    },
  }).values
}

function checkConfig(values, env) {
  if (values.help) return { help: true }
  if (!values.url) throw new OrchestratorError('INVALID_FLAG', '--url is required', { hint: 'e.g. --url https://github.com/acme' })
  const target = parseTarget(values.url, values['api-url'])
  const credential = credentialFromEnv(env)
  const secrets = credential.kind === 'token' ? [credential.token] : [credential.privateKey]
  const vmEnv = {}
  for (const pair of values.env) {
    const i = pair.indexOf('=')
    const key = pair.slice(0, i)
    if (i <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new OrchestratorError('INVALID_FLAG', `--env ${pair.split('=')[0]}: expected KEY=VALUE`, { hint: 'e.g. --env RUNNER_FEATURES=nodejs@20' })
    if (SECRET_NAMES.test(key) || secrets.some((s) => pair.includes(s)))
      throw new OrchestratorError('SECRET_TO_VM', `--env ${key}: credentials never go into a VM`, { hint: 'the VM gets only its single-use JIT config; drop this --env' })
    vmEnv[key] = pair.slice(i + 1)
  }
  const volumes = values.volume.map((v) => {
    const [host, guest, ...rest] = v.split(':')
    if (!host || !guest?.startsWith('/') || rest.length) throw new OrchestratorError('INVALID_FLAG', `--volume ${v}: expected HOST:GUEST (absolute guest path)`, { hint: 'e.g. --volume /srv/ci-config:/etc/runner-features' })
    return [resolve(host), guest]
  })
  const launcher = values.launcher
  if (launcher !== 'krunvm' && launcher !== 'namespace') throw new OrchestratorError('INVALID_FLAG', `--launcher ${launcher}: expected krunvm or namespace`, { hint: 'krunvm needs KVM (Linux) or HVF (macOS)' })
  if (launcher === 'namespace' && !values.rootfs) throw new OrchestratorError('INVALID_FLAG', '--launcher namespace needs --rootfs', { hint: 'unpack the microvm image: docker export $(docker create IMAGE) | tar -x -C DIR' })
  const toolcache = values.toolcache ? resolve(values.toolcache) : undefined
  if (toolcache && launcher === 'krunvm') {
    // krunvm serves shares with this user's rights: a cache it can write, a job (root in its VM) could write too.
    let writable = true
    try { accessSync(toolcache, constants.W_OK) } catch { writable = false }
    if (writable) throw new OrchestratorError('TOOLCACHE_WRITABLE', `--toolcache ${toolcache} is writable by this user, so a job could change it for every later VM`, {
      hint: 'run the orchestrator as a user that can only read it, or pass a read-only bind mount (mount --bind -o ro CACHE RO_PATH)',
    })
  }
  return {
    help: false, target, credential, launcher, image: values.image, rootfs: values.rootfs && resolve(values.rootfs),
    concurrency: int('--concurrency', values.concurrency, 1), jobs: int('--jobs', values.jobs, 0),
    labels: values.labels.split(',').map((l) => l.trim()).filter(Boolean), runnerGroupId: int('--runner-group-id', values['runner-group-id'], 1),
    namePrefix: values['name-prefix'], toolcache, volumes, vmEnv,
    cpus: int('--cpus', values.cpus, 1), mem: int('--mem', values.mem, 256), workDir: resolve(values['work-dir']),
  }
}

/**
 * The VM loop. `deps` is the I/O: the GitHub client, the launcher, a logger and a sleep.
 * Resolves with the number of VMs run; rejects on a fault retrying cannot fix (bad credential).
 */
export async function orchestrate(config, { github, launcher, log, sleep = (ms) => new Promise((r) => setTimeout(r, ms)), signal }) {
  mkdirSync(config.workDir, { recursive: true, mode: 0o700 })
  let started = 0
  const take = () => (config.jobs === 0 || started < config.jobs) && !signal?.aborted ? ++started : 0
  const kills = new Set()
  signal?.addEventListener('abort', () => { for (const k of kills) k() })

  async function slot() {
    let backoff = 1000
    let lastFailed = false
    for (let n = take(); n; n = take()) {
      // A VM that failed (or a job that did not end cleanly) is not restarted at full speed:
      // a broken image or mirror would otherwise burn one registration per second.
      if (lastFailed) {
        log(`waiting ${backoff / 1000}s after a failure`)
        await sleep(backoff)
        backoff = Math.min(backoff * 2, 60_000)
      }
      const name = `${config.namePrefix}-${randomBytes(4).toString('hex')}`
      let registration
      try {
        registration = await github.generateJitConfig({ name, labels: config.labels, runnerGroupId: config.runnerGroupId })
      } catch (err) {
        if (err.code === 'GITHUB_AUTH_FAILED') throw err
        log(`${name}: ${err.message}; retrying`)
        started-- // this VM never started
        lastFailed = true
        continue
      }
      const vmDir = mkdtempSync(join(config.workDir, `${name}-`))
      const secretsDir = join(vmDir, 'secrets')
      mkdirSync(secretsDir, { mode: 0o700 })
      writeFileSync(join(secretsDir, 'jitconfig'), registration.jitConfig, { mode: 0o600 })
      registration.jitConfig = undefined
      log(`${name}: starting VM (${launcher.name}), runner id ${registration.runnerId}`)
      let kill
      try {
        const status = await launcher.run({ name, vmDir, secretsDir, toolcache: config.toolcache, volumes: config.volumes, env: config.vmEnv, onLine: (l) => log(`[${name}] ${l}`) },
          (k) => { kill = k; kills.add(k) })
        log(`${name}: VM ended (${status})`)
        lastFailed = status !== 0
        if (!lastFailed) backoff = 1000
      } catch (err) {
        log(`${name}: VM failed: ${err.message}`)
        lastFailed = true
      } finally {
        if (kill) kills.delete(kill)
        rmSync(vmDir, { recursive: true, force: true })
        await github.deleteRunner(registration.runnerId).catch((err) => log(`${name}: could not remove runner ${registration.runnerId}: ${err.message}`))
      }
    }
  }
  await Promise.all(Array.from({ length: config.concurrency }, slot))
  return started
}

async function main() {
  let config
  try {
    config = parseConfig(process.argv.slice(2), process.env)
  } catch (err) {
    process.stderr.write(`error[${err.code ?? 'INVALID_FLAG'}]: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`)
    process.exit(64)
  }
  if (config.help) {
    process.stdout.write(`${HELP}\n`)
    return
  }
  const github = githubClient({ ...config.target, credential: config.credential })
  const launcher = config.launcher === 'krunvm'
    ? krunvmLauncher({ image: config.image, cpus: config.cpus, mem: config.mem })
    : namespaceLauncher({ rootfs: config.rootfs })
  const stop = new AbortController()
  for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => stop.abort())
  try {
    const n = await orchestrate(config, { github, launcher, log: (l) => process.stdout.write(`runner-vm: ${l}\n`), signal: stop.signal })
    process.stdout.write(`runner-vm: ran ${n} VM(s)\n`)
  } catch (err) {
    process.stderr.write(`error[${err.code ?? 'ORCHESTRATOR_FAILED'}]: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`)
    process.exit(1)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
