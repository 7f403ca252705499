// The microVM orchestrator (deploy/microvm) without KVM or root: flag checks, the GitHub side
// against a fake fetch (App JWT verified with the key pair's public half, installation token
// cached, PAT, auth failures), and the VM loop driving krunvm — a recording stand-in `krunvm` on
// PATH, so the exact create/start/delete commands, the shared JIT file and the launcher's
// environment are checked. Booting the real image (namespace stand-in) is in images.test.ts.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { generateKeyPairSync, createVerify } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error -- plain ESM without type declarations (deploy/microvm has no build step)
import { parseConfig, orchestrate, HELP } from '../../deploy/microvm/orchestrator.mjs'
// @ts-expect-error -- as above
import { githubClient, appJwt } from '../../deploy/microvm/github.mjs'
// @ts-expect-error -- as above
import { krunvmLauncher } from '../../deploy/microvm/launchers.mjs'

const scratch = mkdtempSync(join(tmpdir(), 'rf-microvm-static-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
const PAT = 'ghp_SECRETpat0123456789abcdef'
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
const file = (name: string, content: string) => {
  const f = join(mkdtempSync(join(scratch, 'f-')), name)
  writeFileSync(f, content, { mode: 0o600 })
  return f
}
const patEnv = () => ({ GITHUB_TOKEN_FILE: file('pat', `${PAT}\n`) })
const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return (err as { code: string }).code
  }
  return 'no error'
}

describe('orchestrator flags', () => {
  it('prints help', () => {
    expect(parseConfig(['--help'], {})).toEqual({ help: true })
    expect(HELP).toContain('GITHUB_TOKEN_FILE')
  })

  it('reads the target and the credential from files, with the right API scope', () => {
    const c = parseConfig(['--url', 'https://github.com/acme/app', '--launcher', 'namespace', '--rootfs', '/srv/vm', '--env', 'RUNNER_FEATURES=nodejs@20', '--volume', '/srv/cfg:/etc/runner-features'], patEnv())
    expect(c.target).toEqual({ api: 'https://api.github.com', scope: '/repos/acme/app' })
    expect(c.credential).toEqual({ kind: 'token', token: PAT })
    expect(c.vmEnv).toEqual({ RUNNER_FEATURES: 'nodejs@20' })
    expect(c.volumes).toEqual([['/srv/cfg', '/etc/runner-features']])
    expect(parseConfig(['--url', 'https://ghes.example.com/enterprises/acme', '--launcher', 'namespace', '--rootfs', '/x'], patEnv()).target).toEqual({ api: 'https://ghes.example.com/api/v3', scope: '/enterprises/acme' })
  })

  it('refuses what would leak the credential into a VM, and bad input, with a code', () => {
    const base = ['--url', 'https://github.com/acme', '--launcher', 'namespace', '--rootfs', '/x']
    expect(codeOf(() => parseConfig([...base, '--env', 'GITHUB_TOKEN=x'], patEnv()))).toBe('SECRET_TO_VM')
    expect(codeOf(() => parseConfig([...base, '--env', `NPM_TOKEN=${PAT}`], patEnv()))).toBe('SECRET_TO_VM')
    expect(codeOf(() => parseConfig([...base, '--env', 'ACTIONS_RUNNER_INPUT_JITCONFIG=x'], patEnv()))).toBe('SECRET_TO_VM')
    expect(codeOf(() => parseConfig(base, {}))).toBe('CREDENTIAL_MISSING')
    expect(codeOf(() => parseConfig(base, { GITHUB_TOKEN_FILE: join(scratch, 'nope') }))).toBe('CREDENTIAL_UNREADABLE')
    expect(codeOf(() => parseConfig(['--url', 'https://github.com/a/b/c'], patEnv()))).toBe('INVALID_URL')
    expect(codeOf(() => parseConfig(['--url', 'https://github.com/acme', '--launcher', 'docker'], patEnv()))).toBe('INVALID_FLAG')
    expect(codeOf(() => parseConfig(['--url', 'https://github.com/acme', '--launcher', 'namespace'], patEnv()))).toBe('INVALID_FLAG')
    expect(codeOf(() => parseConfig([...base, '--jobs', '-1'], patEnv()))).toBe('INVALID_FLAG')
    expect(codeOf(() => parseConfig([...base, '--volume', 'relative'], patEnv()))).toBe('INVALID_FLAG')
  })

  it('krunvm: refuses a tool cache this user can write (a job could change it for later VMs)', () => {
    const cache = mkdtempSync(join(scratch, 'cache-'))
    expect(codeOf(() => parseConfig(['--url', 'https://github.com/acme', '--toolcache', cache], patEnv()))).toBe('TOOLCACHE_WRITABLE')
  })
})

describe('GitHub side (fake fetch)', () => {
  const api = 'https://api.github.com'
  function fakeFetch() {
    const calls: { method: string; url: string; auth: string; body?: any }[] = []
    let tokens = 0
    const fn = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
      const auth = init.headers.authorization!
      calls.push({ method: init.method, url, auth, body: init.body ? JSON.parse(init.body) : undefined })
      const json = (status: number, body: unknown) => new Response(body === undefined ? '' : JSON.stringify(body), { status })
      switch (`${init.method} ${url}`) {
        case `POST ${api}/app/installations/77/access_tokens`: {
          const [h, p, sig] = auth.replace('Bearer ', '').split('.')
          const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, sig!, 'base64url')
          if (!ok || JSON.parse(Buffer.from(p!, 'base64url').toString()).iss !== '12345') return json(401, { message: 'bad JWT' })
          tokens++
          return json(201, { token: `ghs_installation${tokens}`, expires_at: new Date(Date.now() + 3600_000).toISOString() })
        }
        case `POST ${api}/orgs/acme/actions/runners/generate-jitconfig`:
          if (auth !== 'Bearer ghs_installation1' && auth !== `Bearer ${PAT}`) return json(401, { message: 'Bad credentials' })
          return json(201, { runner: { id: 900 + calls.length }, encoded_jit_config: `jit-for-${JSON.parse(init.body!).name}` })
        case `DELETE ${api}/orgs/acme/actions/runners/901`:
          return json(404, { message: 'Not Found' })
        case `DELETE ${api}/orgs/acme/actions/runners/500`:
          return json(500, { message: 'boom' })
        default:
          throw new Error(`unexpected request ${init.method} ${url}`)
      }
    }
    return { fn, calls }
  }

  it('a GitHub App: signed JWT, one installation token for several JIT configs, labels and group passed', async () => {
    const { fn, calls } = fakeFetch()
    const gh = githubClient({ api, scope: '/orgs/acme', credential: { kind: 'app', appId: '12345', installationId: '77', privateKey }, fetch: fn })
    const a = await gh.generateJitConfig({ name: 'vm-a', labels: ['self-hosted', 'microvm'], runnerGroupId: 3 })
    const b = await gh.generateJitConfig({ name: 'vm-b', labels: ['self-hosted'], runnerGroupId: 3 })
    expect(a.jitConfig).toBe('jit-for-vm-a')
    expect(b.jitConfig).toBe('jit-for-vm-b')
    expect(calls.filter((c) => c.url.endsWith('/access_tokens'))).toHaveLength(1)
    expect(calls[1]!.body).toEqual({ name: 'vm-a', runner_group_id: 3, labels: ['self-hosted', 'microvm'], work_folder: '_work' })
    await expect(gh.deleteRunner(901)).resolves.toBeUndefined() // already gone: fine
    await expect(gh.deleteRunner(500)).rejects.toMatchObject({ code: 'GITHUB_API_ERROR' })
  })

  it('a wrong key or PAT fails with GITHUB_AUTH_FAILED and a hint', async () => {
    const { fn } = fakeFetch()
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey
    const app = githubClient({ api, scope: '/orgs/acme', credential: { kind: 'app', appId: '12345', installationId: '77', privateKey: other }, fetch: fn })
    await expect(app.generateJitConfig({ name: 'x', labels: ['l'], runnerGroupId: 1 })).rejects.toMatchObject({ code: 'GITHUB_AUTH_FAILED', hint: expect.stringContaining('permission') })
    const pat = githubClient({ api, scope: '/orgs/acme', credential: { kind: 'token', token: 'ghp_wrong' }, fetch: fn })
    await expect(pat.generateJitConfig({ name: 'x', labels: ['l'], runnerGroupId: 1 })).rejects.toMatchObject({ code: 'GITHUB_AUTH_FAILED' })
  })

  it('the JWT is RS256 with iat 60 s back and a 10-minute lifetime', () => {
    const [h, p] = appJwt('42', privateKey, 1_700_000_000_000).split('.')
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' })
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({ iat: 1_699_999_940, exp: 1_700_000_540, iss: '42' })
  })
})

describe('the VM loop with krunvm (recording stand-in)', () => {
  /** A `krunvm` that records argv, its environment and what the secrets share holds at create time. */
  function fakeKrunvm() {
    const home = mkdtempSync(join(scratch, 'krunvm-'))
    const bin = join(home, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'krunvm'), `#!/bin/bash
set -eu
n=$(ls "$HOME"/calls 2>/dev/null | wc -l); mkdir -p "$HOME/calls"
printf '%s\\n' "$@" > "$HOME/calls/$(printf %02d "$n")-$1.argv"
env > "$HOME/calls/$(printf %02d "$n")-$1.env"
if [ "$1" = create ]; then
  for a in "$@"; do case $a in *:/mnt/runner-vm/secrets) d=\${a%%:*}; stat -c '%a' "$d" "$d/jitconfig" > "$HOME/calls/$(printf %02d "$n")-create.secrets"; ls -A "$d" >> "$HOME/calls/$(printf %02d "$n")-create.secrets"; cat "$d/jitconfig" >> "$HOME/calls/$(printf %02d "$n")-create.secrets";; esac; done
fi
if [ "$1" = start ]; then echo "runner-vm-init: PID 1 (stand-in)"; exit 3; fi
`)
    chmodSync(join(bin, 'krunvm'), 0o755)
    return { home, bin }
  }

  it('per VM: create (image, size, shares) → start runner-vm-init with the env → delete; JIT only in a 0600 file; credential nowhere', async () => {
    const k = fakeKrunvm()
    const hostEnv = { PATH: `${k.bin}:/usr/bin:/bin`, HOME: k.home, GITHUB_TOKEN_FILE: '/secret/pat', GITHUB_TOKEN: PAT, AWS_SECRET_ACCESS_KEY: 'aws-secret' }
    const launcher = krunvmLauncher({ image: 'registry.example/rf/microvm:1', cpus: 2, mem: 2048, hostEnv })
    const deleted: number[] = []
    let n = 0
    const github = {
      generateJitConfig: async ({ name }: { name: string }) => ({ runnerId: ++n, jitConfig: `JIT-${n}-for-${name}` }),
      deleteRunner: async (id: number) => { deleted.push(id) },
    }
    const lines: string[] = []
    const waits: number[] = []
    const workDir = join(scratch, 'work-krunvm')
    const count = await orchestrate({ jobs: 2, concurrency: 1, namePrefix: 'rf-vm', labels: ['self-hosted'], runnerGroupId: 1, toolcache: '/srv/toolcache-ro', volumes: [['/srv/cfg', '/etc/runner-features']], vmEnv: { RUNNER_FEATURES: 'nodejs@20' }, workDir },
      { github, launcher, log: (l: string) => lines.push(l), sleep: async (ms: number) => { waits.push(ms) } })
    expect(count).toBe(2)
    const calls = readdirSync(join(k.home, 'calls')).filter((f) => f.endsWith('.argv')).sort()
    expect(calls.map((f) => f.replace(/^\d+-|\.argv$/g, ''))).toEqual(['create', 'start', 'delete', 'create', 'start', 'delete'])
    const argv = (f: string) => readFileSync(join(k.home, 'calls', f), 'utf8').trim().split('\n')
    const create = argv(calls[0]!)
    const name = create[create.indexOf('--name') + 1]!
    expect(name).toMatch(/^rf-vm-[0-9a-f]{8}$/)
    expect(create.slice(0, 2)).toEqual(['create', 'registry.example/rf/microvm:1'])
    expect(create).toEqual(expect.arrayContaining(['--cpus', '2', '--mem', '2048', '-v', '/srv/toolcache-ro:/mnt/runner-vm/toolcache', '-v', '/srv/cfg:/etc/runner-features']))
    expect(argv(calls[1]!)).toEqual(['start', '--env', 'RUNNER_FEATURES=nodejs@20', name, '/usr/local/bin/runner-vm-init'])
    expect(argv(calls[2]!)).toEqual(['delete', name])
    expect(readFileSync(join(k.home, 'calls', calls[0]!.replace('.argv', '.secrets')), 'utf8')).toBe(`700\n600\njitconfig\nJIT-1-for-${name}`)
    for (const f of readdirSync(join(k.home, 'calls'))) {
      const text = readFileSync(join(k.home, 'calls', f), 'utf8')
      if (f.endsWith('.secrets')) continue
      expect(text, f).not.toContain(PAT)
      expect(text, f).not.toContain('aws-secret')
      expect(text, f).not.toContain('GITHUB_TOKEN')
      expect(text, f).not.toMatch(/JIT-\d/) // the JIT config is never an argument or variable
    }
    expect(readdirSync(workDir)).toEqual([]) // per-VM dirs (and the JIT file) are gone
    expect(deleted).toEqual([1, 2])
    expect(lines).toContain(`[${name}] runner-vm-init: PID 1 (stand-in)`)
    expect(lines).toContain(`${name}: VM ended (3)`)
    expect(waits).toEqual([1000]) // the stand-in VM exits 3: the next one waits (and none after the last)
  })

  it('retries a failed JIT request with backoff, and stops on bad credentials', async () => {
    const k = fakeKrunvm()
    const launcher = krunvmLauncher({ image: 'i', cpus: 1, mem: 512, hostEnv: { PATH: `${k.bin}:/usr/bin:/bin`, HOME: k.home } })
    const waits: number[] = []
    let calls = 0
    const flaky = {
      generateJitConfig: async () => {
        calls++
        if (calls <= 2) throw Object.assign(new Error('HTTP 502'), { code: 'GITHUB_API_ERROR' })
        return { runnerId: calls, jitConfig: 'jit' }
      },
      deleteRunner: async () => {},
    }
    const config = { jobs: 1, concurrency: 1, namePrefix: 'v', labels: ['l'], runnerGroupId: 1, volumes: [], vmEnv: {}, workDir: join(scratch, 'work-retry') }
    expect(await orchestrate(config, { github: flaky, launcher, log: () => {}, sleep: async (ms: number) => { waits.push(ms) } })).toBe(1)
    expect(waits).toEqual([1000, 2000])
    const denied = { generateJitConfig: async () => { throw Object.assign(new Error('HTTP 401'), { code: 'GITHUB_AUTH_FAILED' }) }, deleteRunner: async () => {} }
    await expect(orchestrate(config, { github: denied, launcher, log: () => {} })).rejects.toMatchObject({ code: 'GITHUB_AUTH_FAILED' })
    expect(existsSync(join(k.home, 'calls')) ? readdirSync(join(k.home, 'calls')).filter((f) => f.endsWith('-create.argv')) : []).toHaveLength(1)
  })
})
