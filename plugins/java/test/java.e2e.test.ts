import { lstat, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness, missingCommands } from '@runner-features/kit/testing'
import { mirror as buildJavaMirror, temurinSemver } from '../fixtures/mirror.ts'

// The built `runner` against a local server in api.adoptium.net's layout serving a real JDK
// (Debian's OpenJDK 17 repackaged as a Temurin tarball, see buildJavaMirror; needs apt-get
// download + dpkg-deb). The mirror's redirects (`/v3/binary/…` → the asset) are served as upstream's.
const e2e = mirrorHarness({ feature: 'java', mirror: () => buildJavaMirror(), skip: missingCommands('apt-get', 'dpkg-deb') })
beforeAll(e2e.start, 600_000)
afterEach(e2e.reset)
afterAll(e2e.close)
const exists = (p: string) => lstat(p).then(() => true, () => false)
const binaryUrl = (releaseName: string) => `https://api.adoptium.net/v3/binary/version/${encodeURIComponent(releaseName)}/linux/x64/jdk/hotspot/normal/eclipse`

test('Adoptium semver of an OpenJDK version: the LTS suffix, and a respin\'s fourth number in the build', () => {
  expect(temurinSemver('17.0.19', undefined, '10')).toBe('17.0.19+10.0.LTS')
  expect(temurinSemver('21.0.12', '1', '1')).toBe('21.0.12+101.0.LTS')
})

describe.skipIf(e2e.skipped)('runner features install java', () => {
  test('java@17 lands in Java_Temurin-Hotspot_jdk/<semver, + as ->/x64 with its marker, runs, and is listed; JAVA_HOME and JAVA_HOME_17_X64 exported', async () => {
    const { mirror, server } = e2e
    const b = await e2e.sandbox()
    const githubEnv = join(b.dir, 'github_env')
    const githubPath = join(b.dir, 'github_path')
    const res = await b.run(['features', 'install', 'java@17'], { GITHUB_ENV: githubEnv, GITHUB_PATH: githubPath })
    expect(res.exitCode, res.all).toBe(0)
    expect(res.stdout).toContain(`java@17 → ${mirror.version}  installed`)
    expect([...server.requests].sort()).toEqual([
      `GET ${mirror.paths.asset} 200`, `GET ${mirror.paths.assets} 200`, `GET ${mirror.paths.available} 200`, `GET ${mirror.paths.binary} 302`,
    ].sort())

    const versionDir = join(b.toolCache, 'Java_Temurin-Hotspot_jdk', mirror.toolCacheDir)
    const dir = join(versionDir, 'x64')
    expect(mirror.toolCacheDir).not.toContain('+')
    expect((await readdir(versionDir)).sort()).toEqual(['x64', 'x64.complete'])
    const version = await execa(join(b.binDir, 'java'), ['-version'])
    expect(version.stderr).toMatch(/^openjdk version "17\.0\./)
    expect((await execa(join(b.binDir, 'javac'), ['-version'])).stdout).toMatch(/^javac 17\.0\./)
    expect(await readFile(githubPath, 'utf8')).toBe(`${join(dir, 'bin')}\n`)
    expect(await readFile(githubEnv, 'utf8')).toBe(`JAVA_HOME=${dir}\nJAVA_HOME_17_X64=${dir}\n`)

    // A real program compiles and runs with the installed JDK.
    await execa(join(b.binDir, 'jshell'), ['-q'], { input: 'System.out.println("hello " + Runtime.version().feature())\n/exit\n', env: { HOME: b.dir } }).then((r) => expect(r.stdout).toContain('hello 17'))

    const list = JSON.parse((await b.run(['features', 'list', '--json'])).stdout)
    expect(list.installed.find((r: { id: string }) => r.id === 'java')).toMatchObject({ version: mirror.version, arch: 'x64', path: dir, sourceUrl: binaryUrl(mirror.releaseName) })
    expect((await b.run(['features', 'list'])).stdout).toContain(mirror.version)

    // Uninstall finds the same `-` directory: files, marker and links go.
    const removed = await b.run(['features', 'uninstall', 'java@17'])
    expect(removed.exitCode, removed.all).toBe(0)
    expect(await exists(versionDir)).toBe(false)
    expect(await exists(join(b.binDir, 'java'))).toBe(false)
  }, 300_000)

  test('java (the default, lts) resolves to the newest LTS the listing has; a re-install is a no-op without requests', async () => {
    const b = await e2e.sandbox()
    const first = await b.run(['features', 'install', 'java'])
    expect(first.exitCode, first.all).toBe(0)
    expect(first.stdout).toContain(`java@lts → ${e2e.mirror.version}  installed`)
    e2e.server.requests.splice(0)
    const again = await b.run(['features', 'install', 'java@17'])
    expect(again.exitCode, again.all).toBe(0)
    expect(again.stdout).toContain('already installed')
    expect(e2e.server.requests).toEqual([])
  }, 300_000)

  test('team config option set-default: false keeps JAVA_HOME alone; JAVA_HOME_17_X64 is still exported, and the lock pins the asset', async () => {
    const { mirror } = e2e
    const b = await e2e.sandbox()
    const repo = await b.repo('features:\n  - { id: java, version: "17", options: { set-default: false } }\n')
    const githubEnv = join(b.dir, 'github_env')
    const res = await repo.run(['features', 'install'], { GITHUB_ENV: githubEnv })
    expect(res.exitCode, res.all).toBe(0)
    const dir = join(b.toolCache, 'Java_Temurin-Hotspot_jdk', mirror.toolCacheDir, 'x64')
    expect(await readFile(githubEnv, 'utf8')).toBe(`JAVA_HOME_17_X64=${dir}\n`)
    const lock = await readFile(repo.lock, 'utf8')
    expect(lock).toContain(mirror.version)
    expect(lock).toContain(binaryUrl(mirror.releaseName))
  }, 300_000)

  test('a tampered archive fails CHECKSUM_MISMATCH and leaves nothing behind', async () => {
    const { mirror } = e2e
    const b = await e2e.sandbox()
    e2e.server.override(mirror.paths.asset, Buffer.from('not a tarball'))
    const res = await b.run(['features', 'install', 'java@17', '--json'])
    expect(res.exitCode).not.toBe(0)
    expect(JSON.parse(res.stdout).results[0].error).toMatchObject({ code: 'CHECKSUM_MISMATCH' })
    expect(await exists(join(b.toolCache, 'Java_Temurin-Hotspot_jdk', mirror.toolCacheDir, 'x64'))).toBe(false)
    expect(await exists(join(b.binDir, 'java'))).toBe(false)
  }, 120_000)

  test('a major the listing lacks is VERSION_NOT_FOUND naming what it has', async () => {
    const b = await e2e.sandbox()
    const res = await b.run(['features', 'install', 'java@11', '--json'])
    expect(res.exitCode).not.toBe(0)
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'VERSION_NOT_FOUND', where: 'java@11 (argument)' })
    expect(JSON.stringify(JSON.parse(res.stdout).error)).toContain('16.0.2')
  }, 60_000)
})
