import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { mirrorHarness, missingCommands } from '../../../kit/src/testing/index.js'
import { mirror as buildJavaMirror } from '../../../../plugins/java/fixtures/mirror.ts'
import { actionOnInstall } from './on-install.js'

// The real actions/setup-java bundle (vendor/setup-java: main @ 1dbac3c9, see its SOURCE.md), run
// with no network against a tool cache the built `runner` filled from a local api.adoptium.net
// mirror holding a real JDK (Debian's OpenJDK 17 as a Temurin tarball, see buildJavaMirror, which
// needs apt-get download + dpkg-deb).
const e2e = mirrorHarness({ feature: 'java', mirror: () => buildJavaMirror(), skip: missingCommands('apt-get', 'dpkg-deb') })
const setup = actionOnInstall('setup-java', e2e, 'java@17', (toolCache, m) => join(toolCache, 'Java_Temurin-Hotspot_jdk', m.toolCacheDir, 'x64'), 600_000)
/** The version setup-java reports: the directory name read back (`-` → `+`). */
const reported = () => e2e.mirror.version

describe.skipIf(e2e.skipped)('actions/setup-java (main @ 1dbac3c9) on our install, offline', () => {
  test.each(['17', '17.0', '<exact>', '<exact+build>'])('java-version %s, distribution temurin, every other input at its default: resolved from the tool cache, no request', async (spec) => {
    const javaVersion = spec === '<exact>' ? e2e.mirror.version.split('+')[0]! : spec === '<exact+build>' ? e2e.mirror.version : spec
    const run = await setup.run({ 'java-version': javaVersion, distribution: 'temurin' })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Resolved Java ${reported()} from tool-cache`)
    expect(run.log).not.toContain('Trying to download')
    expect(run.path[0]).toBe(join(setup.dir, 'bin'))
    expect(run.env).toMatchObject({ JAVA_HOME: setup.dir, JAVA_HOME_17_X64: setup.dir })
    expect(run.outputs).toMatchObject({ distribution: 'Temurin-Hotspot', path: setup.dir, version: reported() })
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('the toolchains.xml it writes for Maven points at our JDK', async () => {
    const home = join(e2e.box.dir, 'home-for-java')
    const run = await setup.run({ 'java-version': '17', distribution: 'temurin' }, { HOME: home })
    expect(run.exitCode, run.log).toBe(0)
    expect(await readFile(join(home, '.m2', 'toolchains.xml'), 'utf8')).toContain(`<jdkHome>${setup.dir}</jdkHome>`)
  }, 60_000)

  test('a major we did not install misses and goes to the Adoptium API (the trap proxy sees it), so the hits above are real', async () => {
    const run = await setup.run({ 'java-version': '21', distribution: 'temurin' })
    expect(run.exitCode).not.toBe(0)
    expect(run.log).toContain('Trying to resolve the latest version from remote')
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 60_000)

  test.each([
    ['check-latest', { 'check-latest': 'true' }],
    ['java-version: latest', { 'java-version': 'latest' }],
    ['force-download', { 'force-download': 'true' }],
  ])('%s asks the network even with our install present: keep the defaults on offline runners', async (_name, extra) => {
    const run = await setup.run({ 'java-version': '17', distribution: 'temurin', ...extra })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.exitCode).not.toBe(0)
  }, 60_000)
})
