import { execFileSync } from 'node:child_process'
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { mirrorHarness, missingCommands, sha256Hex, writeGithubReleaseMirror } from '@runner-features/kit/testing'

// The built `runner` installs a real gh — Debian bookworm's `gh` 2.23.0 (apt-get download +
// dpkg-deb -x, nothing installed) repackaged as the release tarball gh_2.23.0_linux_amd64.tar.gz —
// from a 127.0.0.1 mirror in the github-release layout (fixtures/README.md).
const V = '2.23.0'
const e2e = mirrorHarness({ feature: 'gh', mirror: releaseMirror, skip: missingCommands('apt-get', 'dpkg-deb') })
beforeAll(e2e.start, 300_000)
afterEach(e2e.reset)
afterAll(e2e.close)

/** gh_<V>_linux_amd64.tar.gz in upstream's layout, holding Debian's binary. */
async function releaseTarball(work: string): Promise<Buffer> {
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

/** The github-release layout: the trimmed real listing (fixtures/releases.json), the tarball and its checksums file. */
async function releaseMirror(work: string): Promise<{ root: string }> {
  const tgz = await releaseTarball(work)
  const asset = `gh_${V}_linux_amd64.tar.gz`
  const listing = JSON.parse(await readFile(new URL('../fixtures/releases.json', import.meta.url), 'utf8'))
  await writeGithubReleaseMirror(join(work, 'mirror'), [{ tag: `v${V}`, assets: { [asset]: tgz, [`gh_${V}_checksums.txt`]: `${sha256Hex(tgz)}  ${asset}\n` } }], listing)
  return { root: join(work, 'mirror') }
}

describe.skipIf(e2e.skipped)('runner features install gh', () => {
  test('gh@2.23.0 from the mirror: checksums file, tarball, bin/gh linked, runs, listed; GITHUB_PATH gets its bin dir', async () => {
    const { box, server } = e2e
    const githubPath = join(box.dir, 'github_path')
    const res = await box.run(['features', 'install', `gh@${V}`], { GITHUB_PATH: githubPath })
    expect(res.exitCode, res.all).toBe(0)
    expect(server.requests).toEqual(['GET /api/releases 200', `GET /releases/download/v${V}/gh_${V}_checksums.txt 200`, `GET /releases/download/v${V}/gh_${V}_linux_amd64.tar.gz 200`])
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
    const { box, server } = e2e
    const again = await box.run(['features', 'install', `gh@${V}`])
    expect(again.exitCode, again.all).toBe(0)
    expect(again.stdout).toContain('already installed')
    expect(server.requests).toEqual([])
    const missing = await box.run(['features', 'install', 'gh@1.0', '--json'])
    expect(missing.exitCode).toBe(1)
    expect(JSON.parse(missing.stdout).error.code).toBe('VERSION_NOT_FOUND')
  }, 120_000)
})
