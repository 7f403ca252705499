// The scripts every image Dockerfile runs at build time, run with sh on the host:
// images/scripts/with-mirrors.sh (the RUNNER_FEATURES_MIRRORS build arg: `<feature>=<URL>` and
// `<upstream URL prefix>=<URL>` entries) and images/scripts/feature-env.sh (variables the baked
// features export, written to the runner's .env and /etc/profile.d). Plus: every Dockerfile that
// takes the build arg hands it to with-mirrors.sh instead of parsing it itself.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
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

  it('a later layer (a variant over its base) appends, so its values win where names repeat', () => {
    const t = setup('CHROME_BIN=/new/chrome\n', 'CHROME_BIN=/old/chrome\n')
    expect(t.res.status, t.res.stderr).toBe(0)
    // The runner sets the lines in order: the last one wins.
    expect(t.dotenv()!.trim().split('\n').at(-1)).toBe('CHROME_BIN=/new/chrome')
  })

  it('does nothing when no feature exported anything', () => {
    for (const t of [setup(undefined), setup('')]) {
      expect(t.res.status, t.res.stderr).toBe(0)
      expect(t.dotenv()).toBeUndefined()
      expect(t.profileText()).toBeUndefined()
    }
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

describe('every image that takes RUNNER_FEATURES_MIRRORS parses it with with-mirrors.sh', () => {
  const dockerfiles = ['base', 'server-run', 'variant', 'gpu'].map((d) => ({ d, text: read('images', d, 'Dockerfile') }))

  it.each(dockerfiles)('$d: declares the arg, copies the script, and has no parser of its own', ({ d, text }) => {
    expect(text).toMatch(/^ARG RUNNER_FEATURES_MIRRORS=""$/m)
    expect(text).toMatch(/^COPY images\/scripts\/with-mirrors\.sh[^\n]* \/usr\/local\/lib\/runner-features\//m)
    expect(text).not.toMatch(/for \w+ in \$\{?RUNNER_FEATURES_MIRRORS/)
    expect(text).not.toMatch(/export "RUNNER_FEATURES_MIRROR_\$/)
    // Every `runner features install|lock` goes through the script (gpu: inside install-cuda.sh).
    const calls = d === 'gpu' ? read('images', 'gpu', 'install-cuda.sh') : text
    const runs = [...calls.matchAll(/^.*runner features (?:install|lock)\b.*$/gm)].map((m) => m[0])
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

  it('base and variant publish what their features export (feature-env.sh after a GITHUB_ENV install)', () => {
    for (const d of ['base', 'variant']) {
      const text = read('images', d, 'Dockerfile')
      expect(text).toMatch(/GITHUB_ENV=\/tmp\/rf-env[^;]*runner features install/)
      expect(text).toContain('sh /usr/local/lib/runner-features/feature-env.sh /tmp/rf-env')
    }
  })
})
