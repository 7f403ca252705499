import { execFileSync } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { findRunnerCli, runnerSandbox, sha256Hex, startFixtureMirror, writeGithubReleaseMirror, type FixtureMirror, type RunnerSandbox } from '@runner-features/kit/testing'

// The built `runner` installs a real gh — Debian bookworm's `gh` 2.23.0 (apt-get download +
// dpkg-deb -x, nothing installed) repackaged as the release tarball gh_2.23.0_linux_amd64.tar.gz —
// from a 127.0.0.1 mirror in the github-release layout (fixtures/README.md).
const V = '2.23.0'
const hasApt = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get && command -v dpkg-deb'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
if (!hasApt) console.warn('gh.e2e: skipped: needs apt-get and dpkg-deb to build the gh fixture from the Debian package')
let work: string
let mirror: FixtureMirror
let box: RunnerSandbox

/** gh_<V>_linux_amd64.tar.gz in upstream's layout, holding Debian's binary. */
async function releaseTarball(): Promise<Buffer> {
  const deb = join(work, 'deb')
  await mkdir(deb)
  execFileSync('apt-get', ['download', 'gh'], { cwd: deb, stdio: 'ignore' })
  const file = (await readdir(deb)).find((f) => f.endsWith('.deb'))!
  execFileSync('dpkg-deb', ['-x', join(deb, file), join(deb, 'x')])
  const top = join(work, 'pack', `gh_${V}_linux_amd64`)
  await mkdir(join(top, 'bin'), { recursive: true })
  await mkdir(join(top, 'share', 'man', 'man1'), { recursive: true })
  await copyFile(join(deb, 'x', 'usr', 'bin', 'gh'), join(top, 'bin', 'gh'))
  await copyFile(join(deb, 'x', 'usr', 'share', 'man', 'man1', 'gh.1.gz'), join(top, 'share', 'man', 'man1', 'gh.1.gz'))
  await copyFile(join(deb, 'x', 'usr', 'share', 'doc', 'gh', 'copyright'), join(top, 'LICENSE'))
  execFileSync('tar', ['-czf', join(work, 'gh.tgz'), '-C', join(work, 'pack'), `gh_${V}_linux_amd64`])
  return readFile(join(work, 'gh.tgz'))
}

beforeAll(async () => {
  if (!hasApt) return
  work = await mkdtemp(join(tmpdir(), 'rf-gh-'))
  const tgz = await releaseTarball()
  const asset = `gh_${V}_linux_amd64.tar.gz`
  const listing = JSON.parse(await readFile(new URL('../fixtures/releases.json', import.meta.url), 'utf8'))
  await writeGithubReleaseMirror(join(work, 'mirror'), [{ tag: `v${V}`, assets: { [asset]: tgz, [`gh_${V}_checksums.txt`]: `${sha256Hex(tgz)}  ${asset}\n` } }], listing)
  mirror = await startFixtureMirror(join(work, 'mirror'))
  box = await runnerSandbox(findRunnerCli(import.meta.url), { RUNNER_FEATURES_MIRROR_GH: mirror.url })
}, 300_000)
afterAll(async () => {
  await mirror?.close()
  await box?.cleanup()
  if (work) await rm(work, { recursive: true, force: true })
})

describe.skipIf(!hasApt)('runner features install gh', () => {
  test('gh@2.23.0 from the mirror: checksums file, tarball, bin/gh linked, runs, listed; GITHUB_PATH gets its bin dir', async () => {
    mirror.requests.splice(0)
    const githubPath = join(box.dir, 'github_path')
    const res = await box.run(['features', 'install', `gh@${V}`], { GITHUB_PATH: githubPath })
    expect(res.exitCode, res.stdout + res.stderr).toBe(0)
    expect(mirror.requests).toEqual(['GET /api/releases 200', `GET /releases/download/v${V}/gh_${V}_checksums.txt 200`, `GET /releases/download/v${V}/gh_${V}_linux_amd64.tar.gz 200`])
    const dir = join(box.toolCache, 'gh', V, 'x64')
    expect(execFileSync(join(box.binDir, 'gh'), ['--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^gh version ${V.replaceAll('.', '\\.')} \\(`))
    expect((await readdir(dir)).sort()).toEqual(['LICENSE', 'bin', 'share'])
    expect((await readdir(join(box.toolCache, 'gh', V))).sort()).toEqual(['x64', 'x64.complete'])
    expect(await readFile(githubPath, 'utf8')).toBe(`${join(dir, 'bin')}\n`)

    const list = JSON.parse((await box.run(['features', 'list', '--json'])).stdout)
    expect(list.plugins).toContainEqual(expect.objectContaining({ id: 'gh', name: '@runner-features/gh', origin: 'bundled' }))
    expect(list.installed.find((r: { id: string }) => r.id === 'gh')).toMatchObject({ version: V, arch: 'x64' })
  }, 120_000)

  test('a re-install makes no request; a version with no release is VERSION_NOT_FOUND', async () => {
    mirror.requests.splice(0)
    const again = await box.run(['features', 'install', `gh@${V}`])
    expect(again.exitCode, again.stdout + again.stderr).toBe(0)
    expect(again.stdout).toContain('already installed')
    expect(mirror.requests).toEqual([])
    const missing = await box.run(['features', 'install', 'gh@1.0', '--json'])
    expect(missing.exitCode).toBe(1)
    expect(JSON.parse(missing.stdout).error.code).toBe('VERSION_NOT_FOUND')
  }, 120_000)
})
