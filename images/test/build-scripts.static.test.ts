// The scripts every image Dockerfile runs at build time, run with sh on the host:
// images/scripts/with-mirrors.sh (the RUNNER_FEATURES_MIRRORS build arg: `<feature>=<URL>` and
// `<upstream URL prefix>=<URL>` entries) and images/scripts/feature-env.sh (variables the baked
// features export, written to the runner's .env and /etc/profile.d), images/scripts/bake-features.sh
// (the base's and the variants' build-time install: config, lock, --frozen install) with a fake
// `runner`, and the base entrypoint publishing start-time exports to .env for the stand-in runner.
// Plus: every Dockerfile that takes the build arg hands it to with-mirrors.sh instead of parsing it.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
// By path, like helpers/env.ts: images/ has no node_modules link to @runner-features/core.
import { parseMirrorRewrites } from '../../packages/core/src/mirror-rewrites.ts'
import { mirrorEnvName } from '../../packages/core/src/mirror.ts'
import { repo, run } from './helpers/env.js'

const scripts = join(repo, 'images', 'scripts')
const scratch = mkdtempSync(join(tmpdir(), 'rf-build-scripts-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
const read = (...p: string[]) => readFileSync(join(repo, ...p), 'utf8')

describe('with-mirrors.sh: the RUNNER_FEATURES_MIRRORS build arg of every image', () => {
  /** Runs `sh with-mirrors.sh <recorder>` in a clean env; the recorder writes the RUNNER_FEATURES_* env it got. */
  function withMirrors(value: string | undefined) {
    const dir = mkdtempSync(join(scratch, 'm-'))
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: dir }
    if (value !== undefined) env.RUNNER_FEATURES_MIRRORS = value
    const res = run('sh', [join(scripts, 'with-mirrors.sh'), 'sh', '-c', 'env | grep "^RUNNER_FEATURES_" | sort > "$0"; echo ran', join(dir, 'env')], { env, cwd: dir })
    const recorded = existsSync(join(dir, 'env')) ? readFileSync(join(dir, 'env'), 'utf8') : undefined
    const vars = Object.fromEntries((recorded ?? '').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    return { ...res, ran: recorded !== undefined, vars }
  }

  it.each([
    ['one feature mirror', 'go=https://mirror.example/go/dl/', { RUNNER_FEATURES_MIRROR_GO: 'https://mirror.example/go/dl/' }],
    ['a dashed id, over http with a port', 'go-task=http://10.0.0.5:8080/task/', { RUNNER_FEATURES_MIRROR_GO_TASK: 'http://10.0.0.5:8080/task/' }],
    ['a URL with = in its query', 'nodejs=https://m.example/node/?x=1', { RUNNER_FEATURES_MIRROR_NODEJS: 'https://m.example/node/?x=1' }],
    ['prefix rewrites, comma-joined for the CLI', 'https://googlechromelabs.github.io/chrome-for-testing/=https://m.example/cft/ https://storage.googleapis.com/=https://m.example/gcs/',
      { RUNNER_FEATURES_MIRRORS: 'https://googlechromelabs.github.io/chrome-for-testing/=https://m.example/cft/,https://storage.googleapis.com/=https://m.example/gcs/' }],
    ['a rewrite to a directory (the CLI turns it into file://)', 'https://nodejs.org/=/srv/mirror/nodejs/', { RUNNER_FEATURES_MIRRORS: 'https://nodejs.org/=/srv/mirror/nodejs/' }],
    ['both kinds, separated by spaces, new lines and commas', 'go=https://m.example/go/\nhttps://storage.googleapis.com/=https://m.example/gcs/,cuda=https://m.example/cuda/',
      { RUNNER_FEATURES_MIRROR_GO: 'https://m.example/go/', RUNNER_FEATURES_MIRROR_CUDA: 'https://m.example/cuda/', RUNNER_FEATURES_MIRRORS: 'https://storage.googleapis.com/=https://m.example/gcs/' }],
    ['empty', '', {}],
    ['unset', undefined, {}],
  ])('%s', (_name, value, expected) => {
    const res = withMirrors(value)
    expect(res.status, res.stderr).toBe(0)
    expect(res.stdout).toBe('ran\n')
    // The build arg's own value never reaches the command: only the variables the CLI reads.
    expect(res.vars).toEqual(expected)
  })

  it('hands over names and rules the CLI itself reads: mirrorEnvName for ids, parseMirrorRewrites for prefixes', () => {
    const res = withMirrors('go-task=https://m.example/task/ https://nodejs.org/dist/=https://m.example/node/ https://github.com/=/srv/gh/')
    expect(res.status, res.stderr).toBe(0)
    expect(Object.keys(res.vars)).toContain(mirrorEnvName('go-task'))
    const rules = parseMirrorRewrites(res.vars.RUNNER_FEATURES_MIRRORS!, 'RUNNER_FEATURES_MIRRORS')
    expect(rules.map((r) => [r.prefix, r.replacement])).toEqual([['https://nodejs.org/dist/', 'https://m.example/node/'], ['https://github.com/', 'file:///srv/gh/']])
  })

  it.each([
    ['a bare URL', 'https://m.example/cft/'],
    ['an upper-case id', 'Go=https://m.example/go/'],
    ['an id with an underscore', 'go_task=https://m.example/t/'],
    ['an id that is not a word', '-go=https://m.example/go/'],
    ['a feature mirror that is not http(s)', 'go=ftp://m.example/go/'],
    ['a feature mirror that is a path', 'go=/srv/go/'],
    ['an empty value', 'go='],
    ['an empty key', '=https://m.example/'],
    ['a prefix without a host', 'https:///=https://m.example/'],
    ['a glob (never expanded)', '*'],
  ])('refuses %s: exit 64, the entry named, the command never run', (_name, bad) => {
    const res = withMirrors(`go=https://m.example/go/ ${bad}`)
    expect(res.status).toBe(64)
    expect(res.ran).toBe(false)
    expect(res.stderr).toContain(`with-mirrors: RUNNER_FEATURES_MIRRORS entry "${bad}" is neither <feature>=<URL> nor <upstream URL prefix>=<URL>`)
    expect(res.stderr).toMatch(/\n {2}hint: e\.g\. "go=https:\/\/mirror\.example\/go\/dl\/ https:\/\/storage\.googleapis\.com\/=/)
  })

  it('redacts credentials in the entry it names', () => {
    const res = withMirrors('https://ci:s3cr%40t@m.example/cft/')
    expect(res.status).toBe(64)
    expect(res.stderr).toContain('entry "https://***@m.example/cft/"')
    expect(res.stderr).not.toContain('s3cr')
  })

  it('refuses to run without a command', () => {
    const res = run('sh', [join(scripts, 'with-mirrors.sh')], { env: { PATH: '/usr/bin:/bin', RUNNER_FEATURES_MIRRORS: 'go=https://m.example/go/' } })
    expect(res.status).toBe(64)
    expect(res.stderr).toContain('with-mirrors: no command given')
  })
})

describe('feature-env.sh: what the baked features export becomes the image environment', () => {
  function setup(envFile: string | undefined, existingDotenv?: string) {
    const dir = mkdtempSync(join(scratch, 'e-'))
    const home = join(dir, 'home', 'runner')
    mkdirSync(home, { recursive: true })
    if (existingDotenv !== undefined) writeFileSync(join(home, '.env'), existingDotenv)
    const src = join(dir, 'github-env')
    if (envFile !== undefined) writeFileSync(src, envFile)
    const profile = join(dir, 'etc', 'profile.d', 'runner-features.sh')
    const res = run('sh', [join(scripts, 'feature-env.sh'), src], { env: { PATH: '/usr/bin:/bin', RUNNER_HOME: home, FEATURE_ENV_PROFILE: profile } })
    const file = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined)
    return { res, home, profile, dotenv: () => file(join(home, '.env')), profileText: () => file(profile) }
  }
  const CHROME = 'CHROME_BIN=/opt/hostedtoolcache/chrome/138.7204.92/x64/chrome-linux64/chrome\nCHROMEWEBDRIVER=/opt/hostedtoolcache/chrome/138.7204.92/x64/chromedriver-linux64\n'

  it('appends the variables to the runner .env (NAME=value, as the runner reads it), keeping what is there', () => {
    const t = setup(CHROME, 'LANG=C.UTF-8\n')
    expect(t.res.status, t.res.stderr).toBe(0)
    expect(t.dotenv()).toBe(`LANG=C.UTF-8\n${CHROME}`)
    expect(statSync(join(t.home, '.env')).mode & 0o777).toBe(0o644)
  })

  it('writes a profile.d script that a login shell sources back to the exact values (quotes, spaces, $ and = kept)', () => {
    const tricky = `ODD=it's a $HOME "x" =y\\n`
    const t = setup(`${CHROME}${tricky}`)
    expect(t.res.status, t.res.stderr).toBe(0)
    const out = run('sh', ['-c', `. "$0"; printf '%s|%s|%s' "$CHROME_BIN" "$CHROMEWEBDRIVER" "$ODD"`, t.profile], { env: { PATH: '/usr/bin:/bin', HOME: '/nowhere' } })
    expect(out.stdout).toBe(`/opt/hostedtoolcache/chrome/138.7204.92/x64/chrome-linux64/chrome|/opt/hostedtoolcache/chrome/138.7204.92/x64/chromedriver-linux64|it's a $HOME "x" =y\\n`)
  })

  it('a later layer (a variant over its base) replaces a name it sets again, keeping the others', () => {
    const t = setup('CHROME_BIN=/new/chrome\n', 'CHROME_BIN=/old/chrome\nLANG=C.UTF-8\n')
    expect(t.res.status, t.res.stderr).toBe(0)
    expect(t.dotenv()).toBe('LANG=C.UTF-8\nCHROME_BIN=/new/chrome\n')
  })

  it('does nothing when no feature exported anything', () => {
    for (const t of [setup(undefined), setup('')]) {
      expect(t.res.status, t.res.stderr).toBe(0)
      expect(t.dotenv()).toBeUndefined()
      expect(t.profileText()).toBeUndefined()
    }
  })

  it('run again with the same file (a restarted container) changes neither target: names are replaced, never repeated', () => {
    const t = setup(CHROME, 'LANG=C.UTF-8\n')
    const again = run('sh', [join(scripts, 'feature-env.sh'), join(t.home, '..', '..', 'github-env')], { env: { PATH: '/usr/bin:/bin', RUNNER_HOME: t.home, FEATURE_ENV_PROFILE: t.profile } })
    expect(again.status, again.stderr).toBe(0)
    expect(t.dotenv()).toBe(`LANG=C.UTF-8\n${CHROME}`)
    expect(t.profileText()!.match(/^export CHROME_BIN=/gm)).toHaveLength(1)
  })

  it('a name given twice in one file is written once, with its last value', () => {
    const t = setup('GOTOOLCHAIN=auto\nGOROOT_1_24_X64=/a\nGOTOOLCHAIN=local\n')
    expect(t.res.status, t.res.stderr).toBe(0)
    expect(t.dotenv()).toBe('GOTOOLCHAIN=local\nGOROOT_1_24_X64=/a\n')
  })

  it('--dotenv-only (container start, as the runner user) writes .env and leaves profile.d alone', () => {
    const dir = mkdtempSync(join(scratch, 'e-'))
    writeFileSync(join(dir, 'github-env'), CHROME)
    const profile = join(dir, 'profile.d', 'runner-features.sh')
    const res = run('sh', [join(scripts, 'feature-env.sh'), '--dotenv-only', join(dir, 'github-env')], { env: { PATH: '/usr/bin:/bin', RUNNER_HOME: dir, FEATURE_ENV_PROFILE: profile } })
    expect(res.status, res.stderr).toBe(0)
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(CHROME)
    expect(existsSync(profile)).toBe(false)
    expect(run('sh', [join(scripts, 'feature-env.sh'), '--dotenv-only']).status).toBe(64)
  })

  it('refuses a multi-line value (NAME<<DELIMITER) with exit 65, naming it, and writes nothing', () => {
    const t = setup(`${CHROME}CERT<<RUNNER_FEATURES_EOF\nline 1\nRUNNER_FEATURES_EOF\n`, 'LANG=C.UTF-8\n')
    expect(t.res.status).toBe(65)
    expect(t.res.stderr).toMatch(/github-env:3 is not NAME=value \(a multi-line value or a malformed line\): "CERT"/)
    expect(t.res.stderr).toContain('hint: ')
    expect(t.dotenv()).toBe('LANG=C.UTF-8\n')
    expect(t.profileText()).toBeUndefined()
  })
})

describe('bake-features.sh: the base and the variants lock, then install --frozen from that lock', () => {
  /**
   * A fake `runner` first on PATH: records each call (argv, and the env the CLI would read), writes
   * the lock on `lock` and exports two variables through GITHUB_ENV on `install`. FAIL_ON=<command>
   * makes that command exit 9.
   */
  function bake(specs: string[], env: Record<string, string> = {}) {
    const dir = mkdtempSync(join(scratch, 'b-'))
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    const log = join(dir, 'calls')
    writeFileSync(join(bin, 'runner'), `#!/bin/sh
{ printf 'argv:%s\\n' "$*"; printf 'mirror_go:%s\\n' "\${RUNNER_FEATURES_MIRROR_GO:-}"; printf 'cache:%s\\n' "$RUNNER_FEATURES_CACHE_DIR"
  printf 'keys:%s\\n' "\${RUNNER_FEATURES_TRUSTED_KEYS:-}"; [ -z "\${RUNNER_FEATURES_TRUSTED_KEYS:-}" ] || printf 'key_text:%s\\n' "$(cat "$RUNNER_FEATURES_TRUSTED_KEYS")"; } >> "${log}"
[ "$2" = "\${FAIL_ON:-}" ] && exit 9
case "$2" in
  lock) mkdir -p "$RUNNER_FEATURES_CACHE_DIR"; echo 'features: {}' > "$(dirname "$4")/runner-features.lock" ;;
  install) printf 'GOROOT_1_24_X64=/opt/hostedtoolcache/go/1.24.5/x64\\nGOTOOLCHAIN=local\\n' >> "$GITHUB_ENV" ;;
esac
`)
    chmodSync(join(bin, 'runner'), 0o755)
    const home = join(dir, 'home')
    mkdirSync(home)
    const target = join(dir, 'etc', 'base')
    const res = run('sh', [join(scripts, 'bake-features.sh'), target, ...specs], {
      env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: dir, RUNNER_HOME: home, FEATURE_ENV_PROFILE: join(dir, 'profile.sh'), TARGETARCH: 'amd64', ...env },
    })
    const calls = existsSync(log) ? readFileSync(log, 'utf8') : ''
    return { res, dir, target, home, calls, config: () => readFileSync(join(target, 'runner-config.yml'), 'utf8') }
  }

  it('writes the specs to <dir>/runner-config.yml, locks it for the platform, installs --frozen, publishes the exports', () => {
    const b = bake(['go@1.24', 'chrome', "odd'spec"], { RUNNER_FEATURES_MIRRORS: 'go=https://m.example/go/', RUNNER_FEATURES_TRUSTED_KEYS_ASC: '-----BEGIN PGP PUBLIC KEY BLOCK-----' })
    expect(b.res.status, b.res.stderr).toBe(0)
    const config = join(b.target, 'runner-config.yml')
    expect(parseYaml(b.config())).toEqual({ features: ['go@1.24', 'chrome', "odd'spec"] })
    const argv = b.calls.split('\n').filter((l) => l.startsWith('argv:'))
    expect(argv).toEqual([`argv:features lock --config ${config} --platform linux-x64`, `argv:features install --config ${config} --frozen`])
    // Both calls went through with-mirrors.sh and got the trusted key as a file, for this run only.
    expect(b.calls.match(/^mirror_go:https:\/\/m\.example\/go\/$/gm)).toHaveLength(2)
    expect(b.calls.match(/^key_text:-----BEGIN PGP PUBLIC KEY BLOCK-----$/gm)).toHaveLength(2)
    const keyFile = /^keys:(.+)$/m.exec(b.calls)![1]!
    const cache = /^cache:(.+)$/m.exec(b.calls)![1]!
    expect(existsSync(keyFile)).toBe(false)
    expect(existsSync(cache)).toBe(false)
    expect(readdirSync(b.dir).sort()).toEqual(['bin', 'calls', 'etc', 'home', 'profile.sh']) // no scratch left behind
    expect(readFileSync(join(b.home, '.env'), 'utf8')).toBe('GOROOT_1_24_X64=/opt/hostedtoolcache/go/1.24.5/x64\nGOTOOLCHAIN=local\n')
    for (const f of ['runner-config.yml', 'runner-features.lock']) expect(statSync(join(b.target, f)).mode & 0o777).toBe(0o644)
  })

  it('a failed lock stops before the install (the CLI status is the exit status) and publishes nothing', () => {
    const b = bake(['chrome'], { FAIL_ON: 'lock' })
    expect(b.res.status).toBe(9)
    expect(b.calls).not.toContain('argv:features install')
    expect(existsSync(join(b.home, '.env'))).toBe(false)
  })

  it('a malformed mirror entry stops it before the CLI runs (with-mirrors.sh, exit 64)', () => {
    const b = bake(['go'], { RUNNER_FEATURES_MIRRORS: 'https://m.example/go/' })
    expect(b.res.status).toBe(64)
    expect(b.calls).toBe('')
  })

  it('refuses to run without a directory and at least one spec (exit 64)', () => {
    expect(bake([]).res.status).toBe(64)
    expect(bake([]).res.stderr).toContain('usage: bake-features.sh <config dir> <feature spec>...')
  })
})

describe('base entrypoint: what start-time features export reaches the runner .env (host, stand-in runner)', () => {
  const JIT = 'eyJKSVQiOiJzdGFydC1TRUNSRVQtN2Y2ZTVkIn0'
  /** Runs images/base/entrypoint.sh with the stand-in runner as RUNNER_HOME and a fake `runner` that exports `exports` through GITHUB_ENV. */
  function start(home: string, exports: string, env: Record<string, string> = {}) {
    const dir = mkdtempSync(join(scratch, 'ep-'))
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'runner'), `#!/bin/sh\n[ -z "\${GITHUB_ENV:-}" ] || printf '%s' '${exports}' >> "$GITHUB_ENV"\n`)
    chmodSync(join(bin, 'runner'), 0o755)
    const log = join(dir, 'log')
    mkdirSync(log)
    const res = run('bash', [join(repo, 'images', 'base', 'entrypoint.sh')], {
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, TMPDIR: dir, RUNNER_HOME: home, RUNNER_STANDIN_LOG_DIR: log, ACTIONS_RUNNER_INPUT_JITCONFIG: JIT, ...env },
    })
    const recorded: Record<string, string> = {}
    for (const f of readdirSync(log)) recorded[f] = readFileSync(join(log, f), 'utf8')
    return { res, recorded, leftovers: readdirSync(dir).filter((f) => !['bin', 'log'].includes(f)) }
  }
  function runnerHome(): string {
    const home = join(mkdtempSync(join(scratch, 'home-')), 'runner')
    cpSync(join(repo, 'images', 'test', 'fixtures', 'actions-runner'), home, { recursive: true })
    return home
  }
  const GO = 'GOROOT_1_24_X64=/opt/hostedtoolcache/go/1.24.5/x64\nGOTOOLCHAIN=local\n'

  it('the job sees RUNNER_FEATURES exports through .env; a restart adds no line; the JIT config is never written', () => {
    const home = runnerHome()
    writeFileSync(join(home, '.env'), 'LANG=C.UTF-8\nGOTOOLCHAIN=auto\n') // e.g. config.sh's, and a baked feature's
    const first = start(home, GO, { RUNNER_FEATURES: 'go@1.24' })
    expect(first.res.status, first.res.stderr).toBe(0)
    expect(first.recorded['job.env']).toContain('GOROOT_1_24_X64=/opt/hostedtoolcache/go/1.24.5/x64\n')
    expect(first.recorded['job.env']).toContain('GOTOOLCHAIN=local\n') // the start-time value wins over the baked one
    expect(first.recorded['run.jitconfig']).toBe(JIT)
    expect(first.leftovers).toEqual([]) // the scratch GITHUB_ENV is gone
    const again = start(home, GO, { RUNNER_FEATURES: 'go@1.24' })
    expect(again.res.status, again.res.stderr).toBe(0)
    const dotenv = readFileSync(join(home, '.env'), 'utf8')
    expect(dotenv).toBe(`LANG=C.UTF-8\n${GO}`)
    expect(dotenv).not.toContain(JIT)
  })

  it('a mounted config (RUNNER_FEATURES_CONFIG) publishes the same way; nothing exported leaves .env untouched', () => {
    const home = runnerHome()
    const config = join(home, 'runner-config.yml')
    writeFileSync(config, 'features: [go@1.24]\n')
    const res = start(home, GO, { RUNNER_FEATURES_CONFIG: config, RUNNER_FEATURES_FROZEN: '1' })
    expect(res.res.status, res.res.stderr).toBe(0)
    expect(readFileSync(join(home, '.env'), 'utf8')).toBe(GO)
    const quiet = runnerHome()
    expect(start(quiet, '', { RUNNER_FEATURES: 'terraform@1.5.0' }).res.status).toBe(0)
    expect(existsSync(join(quiet, '.env'))).toBe(false)
  })

  it('a start without features needs no writable TMPDIR (no scratch file is made)', () => {
    const home = runnerHome()
    const res = start(home, GO, { TMPDIR: '/nonexistent/tmp' })
    expect(res.res.status, res.res.stderr).toBe(0)
    expect(res.recorded['run.jitconfig']).toBe(JIT)
    expect(existsSync(join(home, '.env'))).toBe(false)
  })

  it('refuses an export that holds the JIT config: exit 70, .env not written, runner not started', () => {
    const home = runnerHome()
    const res = start(home, `LEAK=${JIT}\n`, { RUNNER_FEATURES: 'evil' })
    expect(res.res.status).toBe(70)
    expect(res.res.stderr).toContain('a feature exported a value holding the registration secret')
    expect(res.res.stdout + res.res.stderr).not.toContain(JIT)
    expect(existsSync(join(home, '.env'))).toBe(false)
    expect(res.recorded['run.jitconfig']).toBeUndefined()
  })

  it('a value .env cannot hold (multi-line) stops the start before registering (exit 70)', () => {
    const home = runnerHome()
    const res = start(home, 'CERT<<RUNNER_FEATURES_EOF\nx\nRUNNER_FEATURES_EOF\n', { RUNNER_FEATURES: 'certs' })
    expect(res.res.status).toBe(70)
    expect(res.res.stderr).toContain("writing the features' variables to")
    expect(res.recorded['run.jitconfig']).toBeUndefined()
  })
})

describe('every image that takes RUNNER_FEATURES_MIRRORS parses it with with-mirrors.sh', () => {
  const dockerfiles = ['base', 'server-run', 'variant', 'gpu'].map((d) => ({ d, text: read('images', d, 'Dockerfile') }))

  it.each(dockerfiles)('$d: declares the arg, copies the script, and has no parser of its own', ({ d, text }) => {
    expect(text).toMatch(/^ARG RUNNER_FEATURES_MIRRORS=""$/m)
    expect(text).toMatch(/^COPY images\/scripts\/with-mirrors\.sh[^\n]* \/usr\/local\/lib\/runner-features\//m)
    expect(text).not.toMatch(/for \w+ in \$\{?RUNNER_FEATURES_MIRRORS/)
    expect(text).not.toMatch(/export "RUNNER_FEATURES_MIRROR_\$/)
    // Every `runner features install|lock` goes through the script (gpu: inside install-cuda.sh;
    // base and variant: inside bake-features.sh).
    const calls = d === 'gpu' ? read('images', 'gpu', 'install-cuda.sh') : ['base', 'variant'].includes(d) ? read('images', 'scripts', 'bake-features.sh') : text
    const runs = [...calls.matchAll(/^(?!\s*#).*runner features (?:install|lock)\b.*$/gm)].map((m) => m[0]) // comments aside
    expect(runs.length).toBeGreaterThan(0)
    for (const line of runs) expect(line).toMatch(/sh "?\$?[\w/.-]*(?:with-mirrors\.sh|mirrors|with_mirrors)"? runner features/)
  })

  it('install-cuda.sh finds the script next to itself in the image and in images/scripts/ in the repository', () => {
    const cuda = read('images', 'gpu', 'install-cuda.sh')
    expect(read('images', 'gpu', 'Dockerfile')).toContain('COPY images/gpu/install-cuda.sh /usr/local/lib/runner-features/install-cuda.sh')
    expect(cuda).toContain('with_mirrors=$here/with-mirrors.sh')
    expect(cuda).toContain('with_mirrors=$here/../scripts/with-mirrors.sh')
    expect(existsSync(join(repo, 'images', 'gpu', '..', 'scripts', 'with-mirrors.sh'))).toBe(true)
  })

  it('base and variant bake features with the one shared flow (bake-features.sh: lock, --frozen install, feature-env.sh), in one RUN', () => {
    for (const [d, dir] of [['base', '/etc/runner-features/base'], ['variant', '/etc/runner-features/variant']]) {
      const text = read('images', d!, 'Dockerfile')
      expect(text).toMatch(/^COPY images\/scripts\/with-mirrors\.sh images\/scripts\/feature-env\.sh images\/scripts\/bake-features\.sh \/usr\/local\/lib\/runner-features\/$/m)
      expect(text.match(/sh \/usr\/local\/lib\/runner-features\/bake-features\.sh /g)).toHaveLength(1)
      expect(text).toContain(`bake-features.sh ${dir} "$@"`)
      expect(text).not.toMatch(/runner features (install|lock)/) // no second, unlocked path
    }
    const bakeScript = read('images', 'scripts', 'bake-features.sh')
    expect(bakeScript).toMatch(/runner features lock --config "\$config" --platform "linux-\$arch"\n[^\n]*GITHUB_ENV=\$scratch\/env sh "\$mirrors" runner features install --config "\$config" --frozen\n[^\n]*sh "\$feature_env" "\$scratch\/env"/)
  })
})
