// The RHEL-family variant of images/base, checked without a container engine: no UBI/Rocky base
// image or rpm repository is reachable from this repository's CI, so the image is never built here.
// What is verified: os-packages.sh (shellcheck; its dnf/microdnf/apt paths run on the host against
// logging stand-ins for dnf, microdnf, rpm, apt-get and dpkg-query), the Dockerfile wiring both
// families through it, and the bake targets. What is not: that UBI/Rocky repositories resolve those
// package names, that the runner's installdependencies.sh succeeds there, and a container run.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureCommands, repo, run } from './helpers/env.js'

const images = join(repo, 'images')
const script = join(images, 'base', 'os-packages.sh')
const dockerfile = readFileSync(join(images, 'base', 'Dockerfile'), 'utf8')
const serverRun = readFileSync(join(images, 'server-run', 'Dockerfile'), 'utf8')
const bake = readFileSync(join(images, 'docker-bake.hcl'), 'utf8')
const scratch = mkdtempSync(join(tmpdir(), 'rf-rhel-static-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The package list a Dockerfile assigns to `name="…"`. */
function listIn(text: string, name: string): string {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(text)
  if (!m) throw new Error(`${name}="…" not found`)
  return m[1]!
}

/**
 * Runs os-packages.sh with a PATH holding only logging stand-ins: each named tool appends
 * `<tool> <args>` to a log; `rpm -q --whatprovides X` and `dpkg-query` succeed for `installed`.
 */
function runScript(tools: string[], args: string[], installed: string[] = []) {
  const dir = mkdtempSync(join(scratch, 'bin-'))
  const log = join(dir, 'calls.log')
  writeFileSync(log, '')
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(dir, name), 0o755)
  }
  for (const t of tools) {
    if (t === 'rpm') stub(t, `echo "rpm $*" >> '${log}'\ncase " ${installed.join(' ')} " in *" $3 "*) exit 0 ;; esac\nexit 1`)
    else if (t === 'dpkg-query') stub(t, `case " ${installed.join(' ')} " in *" $3 "*) printf 'install ok installed' ;; esac\nexit 0`)
    else if (t === 'grep') stub(t, `exec /bin/grep "$@"`)
    else stub(t, `echo "${t} $*" >> '${log}'`)
  }
  const res = run('/bin/sh', [script, ...args], { env: { PATH: dir } })
  return { ...res, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).filter((l) => !l.startsWith('rpm ')) }
}

describe('os-packages.sh', () => {
  const missing = ensureCommands({ shellcheck: 'shellcheck' })
  it.skipIf(missing !== undefined)('is shellcheck-clean as POSIX sh', () => {
    const res = run('shellcheck', ['-s', 'sh', '-S', 'style', script])
    expect(res.stdout + res.stderr).toBe('')
    expect(res.status).toBe(0)
  })

  const rpmPkgs = listIn(dockerfile, 'rpm_pkgs')
  const debPkgs = listIn(dockerfile, 'deb_pkgs')

  it('finds the family from the package manager present', () => {
    expect(runScript(['dnf', 'rpm'], ['family']).stdout).toBe('rhel\n')
    expect(runScript(['microdnf', 'rpm'], ['family']).stdout).toBe('rhel\n')
    expect(runScript(['apt-get', 'dpkg-query'], ['family']).stdout).toBe('debian\n')
    const none = runScript(['apk'], ['family'])
    expect(none.status).toBe(1)
    expect(none.stderr).toContain('Alpine can only be a features base')
  })

  it('dnf path: installs only the missing rpm names, shadow-utils and sudo included; curl-minimal counts as curl', () => {
    const res = runScript(['dnf', 'rpm', 'rm', 'curl'], ['ensure', debPkgs, rpmPkgs], ['ca-certificates', 'tar', 'gzip', 'findutils', 'xz'])
    expect(res.status, res.stderr).toBe(0)
    expect(res.calls).toEqual([
      'dnf install -y --setopt=install_weak_deps=False --setopt=tsflags=nodocs git jq unzip sudo procps-ng shadow-utils',
      'dnf clean all',
      'rm -rf /var/cache/dnf /var/cache/yum',
    ])
  })

  it('dnf path without a curl binary installs curl too; nothing missing means no dnf call', () => {
    expect(runScript(['dnf', 'rpm', 'rm'], ['ensure', debPkgs, 'curl sudo'], ['sudo']).calls[0]).toBe('dnf install -y --setopt=install_weak_deps=False --setopt=tsflags=nodocs curl')
    expect(runScript(['dnf', 'rpm', 'rm'], ['ensure', debPkgs, 'sudo tar'], ['sudo', 'tar']).calls).toEqual([])
  })

  it('microdnf path (ubi-minimal) uses microdnf\'s own flags', () => {
    const res = runScript(['microdnf', 'rpm', 'rm'], ['ensure', debPkgs, 'shadow-utils sudo'])
    expect(res.calls.slice(0, 2)).toEqual(['microdnf install -y --nodocs --setopt=install_weak_deps=0 shadow-utils sudo', 'microdnf clean all'])
  })

  it('apt path: the same step on Debian/Ubuntu installs the deb names and never calls dnf', () => {
    const res = runScript(['apt-get', 'dpkg-query', 'grep', 'rm', 'dnf'], ['ensure', debPkgs, rpmPkgs], ['ca-certificates', 'curl', 'git', 'tar', 'gzip', 'procps'])
    expect(res.status, res.stderr).toBe(0)
    expect(res.calls).toEqual(['apt-get update', 'apt-get install -y --no-install-recommends jq unzip sudo xz-utils', 'rm -rf /var/lib/apt/lists/*'])
  })

  it('runner-deps: runs the runner\'s installer without apt on RHEL, with apt-get update on Debian; absent installer is a no-op', () => {
    const installer = join(scratch, 'installdependencies.sh')
    writeFileSync(installer, '#!/bin/sh\nexit 0\n')
    chmodSync(installer, 0o755)
    expect(runScript(['dnf', 'rpm'], ['runner-deps', installer]).calls).toEqual(['dnf clean all'])
    expect(runScript(['apt-get', 'dpkg-query', 'rm'], ['runner-deps', installer]).calls).toEqual(['apt-get update', 'rm -rf /var/lib/apt/lists/*'])
    expect(runScript(['dnf', 'rpm'], ['runner-deps', join(scratch, 'absent.sh')]).calls).toEqual([])
  })

  it.each([['amd64', 'x64'], ['x86_64', 'x64'], ['arm64', 'arm64'], ['aarch64', 'arm64']])('arch %s → %s', (input, out) => {
    expect(runScript([], ['arch', input]).stdout).toBe(`${out}\n`)
  })

  it('arch refuses what the images do not build', () => {
    const res = runScript([], ['arch', 's390x'])
    expect(res.status).toBe(1)
    expect(res.stderr).toContain('unsupported architecture s390x')
  })
})

describe('Dockerfiles: one contract for both families', () => {
  it('images/base routes every package step through os-packages.sh (no apt-get or dpkg of its own)', () => {
    expect(dockerfile).toContain('COPY images/base/os-packages.sh /usr/local/lib/runner-features/os-packages.sh')
    expect(dockerfile).toMatch(/os-packages\.sh ensure "\$deb_pkgs" "\$rpm_pkgs"/)
    expect(dockerfile).toMatch(/os-packages\.sh runner-deps \/home\/runner\/bin\/installdependencies\.sh/)
    const code = dockerfile.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n')
    expect(code).not.toMatch(/apt-get|dpkg|\bdnf\b|\byum\b/)
    for (const p of ['shadow-utils', 'sudo', 'procps-ng', 'xz', 'findutils']) expect(listIn(dockerfile, 'rpm_pkgs').split(' ')).toContain(p)
  })

  it('uses TARGETARCH for the CLI\'s Node and the runner download', () => {
    expect(dockerfile.match(/os-packages\.sh arch "\$\{TARGETARCH:-\}"/g)).toHaveLength(2)
    expect(dockerfile.match(/^ARG TARGETARCH$/gm)).toHaveLength(2)
  })

  it('user 1001, docker gid 123, sudo and the tool cache come from commands both families have (shadow-utils)', () => {
    expect(dockerfile).toMatch(/groupadd -g 123 docker/)
    expect(dockerfile).toMatch(/useradd -m -d \/home\/runner -s \/bin\/bash -u 1001 -g runner -G docker runner/)
    expect(dockerfile).toMatch(/NOPASSWD:ALL/)
    expect(dockerfile).toMatch(/install -d -o runner -g docker -m 2775 \/opt\/hostedtoolcache/)
  })

  it('server-run installs its tools through features only (no package manager of its own)', () => {
    const code = serverRun.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n')
    expect(code).not.toMatch(/apt-get install|dnf install|yum install|dpkg-query/)
    expect(code).toMatch(/runner features install \$SERVER_RUN_FEATURES/)
  })
})

describe('docker-bake.hcl', () => {
  /** The body of `<kind> "<name>" { … }`, braces balanced. */
  function block(kind: string, name: string): string {
    const start = bake.indexOf(`${kind} "${name}" {`)
    if (start < 0) throw new Error(`${kind} "${name}" not found`)
    let depth = 0
    for (let i = bake.indexOf('{', start); i < bake.length; i++) {
      if (bake[i] === '{') depth++
      else if (bake[i] === '}' && --depth === 0) return bake.slice(start, i + 1)
    }
    throw new Error(`${kind} "${name}" is not closed`)
  }

  it('has a group per family', () => {
    expect(block('group', 'debian-family')).toMatch(/targets = \["base", "base-debian", "server-run"\]/)
    expect(block('group', 'rhel-family')).toMatch(/targets = \["base-ubi", "base-rocky", "server-run-rhel"\]/)
  })

  it('every image target builds amd64 and arm64 (through _common)', () => {
    expect(block('target', '_common')).toMatch(/platforms = \["linux\/amd64", "linux\/arm64"\]/)
    for (const t of ['base-debian', 'base-ubi', 'base-rocky']) expect(block('target', t)).toMatch(/inherits = \["base"\]/)
    expect(block('target', 'base')).toMatch(/inherits\s+= \["_common"\]/)
    expect(block('target', 'server-run-rhel')).toMatch(/inherits = \["server-run"\]/)
  })

  it('the RHEL targets use the same Dockerfile on UBI 9 and Rocky 9 bases', () => {
    expect(block('target', 'base-ubi')).toMatch(/BASE_IMAGE = "registry\.access\.redhat\.com\/ubi9\/ubi:latest"/)
    expect(block('target', 'base-rocky')).toMatch(/BASE_IMAGE = "docker\.io\/rockylinux\/rockylinux:9"/)
    expect(block('target', 'base-ubi')).not.toMatch(/dockerfile/)
    expect(block('target', 'server-run-rhel')).toMatch(/contexts = \{ base = "target:base-rocky" \}/)
  })
})
