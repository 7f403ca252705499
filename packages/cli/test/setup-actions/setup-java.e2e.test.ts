import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { mirror as buildJavaMirror, type JavaMirror } from '../../../../plugins/java/fixtures/mirror.ts'
import { sandbox, type Sandbox } from '../helpers.js'
import { loadAction, runAction, type VendoredAction } from './run-action.js'

// The real actions/setup-java bundle (vendor/setup-java: main @ 1dbac3c9, see its SOURCE.md), run
// with no network against a tool cache the built `runner` filled from a local api.adoptium.net
// mirror holding a real JDK (Debian's OpenJDK 17 as a Temurin tarball, see buildJavaMirror, which
// needs apt-get download + dpkg-deb).
const hasApt = await execa('sh', ['-c', 'command -v apt-get && command -v dpkg-deb'], { reject: false }).then((r) => r.exitCode === 0)
if (!hasApt) console.warn('setup-java.e2e: skipped: needs apt-get and dpkg-deb to build the JDK fixture from Debian packages')

let server: MirrorServer
let mirror: JavaMirror
let box: Sandbox
let action: VendoredAction
let dir: string
/** The version setup-java reports: the directory name read back (`-` → `+`). */
let reported: string

beforeAll(async () => {
  if (!hasApt) return
  action = await loadAction('setup-java')
  mirror = await buildJavaMirror()
  server = await startMirrorServer(mirror.root)
  for (const [from, to] of Object.entries(mirror.redirects)) server.redirect(from, to)
  box = await sandbox({ RUNNER_FEATURES_MIRROR_JAVA: server.url })
  const res = await box.runner(['features', 'install', 'java@17'])
  if (res.exitCode !== 0) throw new Error(res.all)
  dir = join(box.toolCache, 'Java_Temurin-Hotspot_jdk', mirror.toolCacheDir, 'x64')
  reported = mirror.version
}, 600_000)
afterAll(async () => {
  await server?.close()
  await box?.cleanup()
})

describe.skipIf(!hasApt)('actions/setup-java (main @ 1dbac3c9) on our install, offline', () => {
  test.each(['17', '17.0', '<exact>', '<exact+build>'])('java-version %s, distribution temurin, every other input at its default: resolved from the tool cache, no request', async (spec) => {
    const javaVersion = spec === '<exact>' ? mirror.version.split('+')[0]! : spec === '<exact+build>' ? mirror.version : spec
    const run = await runAction(action, { with: { 'java-version': javaVersion, distribution: 'temurin' }, toolCache: box.toolCache })
    expect(run.exitCode, run.log).toBe(0)
    expect(run.log).toContain(`Resolved Java ${reported} from tool-cache`)
    expect(run.log).not.toContain('Trying to download')
    expect(run.path[0]).toBe(join(dir, 'bin'))
    expect(run.env).toMatchObject({ JAVA_HOME: dir, JAVA_HOME_17_X64: dir })
    expect(run.outputs).toMatchObject({ distribution: 'Temurin-Hotspot', path: dir, version: reported })
    expect(run.networkAttempts).toBe(0)
  }, 60_000)

  test('the toolchains.xml it writes for Maven points at our JDK', async () => {
    const home = join(box.dir, 'home-for-java')
    const run = await runAction(action, { with: { 'java-version': '17', distribution: 'temurin' }, toolCache: box.toolCache, env: { HOME: home } })
    expect(run.exitCode, run.log).toBe(0)
    expect(await readFile(join(home, '.m2', 'toolchains.xml'), 'utf8')).toContain(`<jdkHome>${dir}</jdkHome>`)
  }, 60_000)

  test('a major we did not install misses and goes to the Adoptium API (the trap proxy sees it), so the hits above are real', async () => {
    const run = await runAction(action, { with: { 'java-version': '21', distribution: 'temurin' }, toolCache: box.toolCache })
    expect(run.exitCode).not.toBe(0)
    expect(run.log).toContain('Trying to resolve the latest version from remote')
    expect(run.networkAttempts).toBeGreaterThan(0)
  }, 60_000)

  test.each([
    ['check-latest', { 'check-latest': 'true' }],
    ['java-version: latest', { 'java-version': 'latest' }],
    ['force-download', { 'force-download': 'true' }],
  ])('%s asks the network even with our install present: keep the defaults on offline runners', async (_name, extra) => {
    const run = await runAction(action, { with: { 'java-version': '17', distribution: 'temurin', ...extra }, toolCache: box.toolCache })
    expect(run.networkAttempts).toBeGreaterThan(0)
    expect(run.exitCode).not.toBe(0)
  }, 60_000)
})
