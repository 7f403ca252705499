import { lstat, readdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { demoSandbox, sandbox, type DemoSandbox, type Sandbox } from './helpers.js'

// Links follow the installed versions: `list` shows which one is linked, uninstalling it links
// another installed version (or says none is left), and --dry-run removes nothing.
let demo: DemoSandbox
let b: Sandbox
beforeAll(async () => {
  demo = await demoSandbox()
  b = demo.box
})
afterAll(async () => {
  await demo?.close()
})

const linked = async (r: { stdout: string }) => JSON.parse(r.stdout).installed.map((i: { version: string; linked: boolean }) => `${i.version}${i.linked ? '*' : ''}`).sort()

test('list marks the linked version; uninstalling it relinks the other one; the last one takes its links with it', async () => {
  for (const v of ['1.5.0', '1.5.7']) expect((await b.runner(['features', 'install', `terraform@${v}`])).exitCode).toBe(0)
  const link = join(b.binDir, 'terraform')
  expect(await readlink(link)).toContain('/terraform/1.5.7/')
  expect(await linked(await b.runner(['features', 'list', '--json']))).toEqual(['1.5.0', '1.5.7*'])
  expect((await b.runner(['features', 'list'])).stdout).toMatch(/terraform\s+1\.5\.7\s+yes\s/)

  const dry = await b.runner(['features', 'uninstall', 'terraform@1.5.7', '--dry-run'])
  expect(dry.exitCode, dry.all).toBe(0)
  expect(dry.stdout).toContain('would remove terraform 1.5.7')
  expect(await linked(await b.runner(['features', 'list', '--json']))).toEqual(['1.5.0', '1.5.7*'])

  const res = await b.runner(['features', 'uninstall', 'terraform@1.5.7'])
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('removed terraform 1.5.7 (x64)')
  expect(res.stdout).toContain('terraform 1.5.0 is linked now')
  expect(await readlink(link)).toContain('/terraform/1.5.0/')
  expect(await linked(await b.runner(['features', 'list', '--json']))).toEqual(['1.5.0*'])

  const last = await b.runner(['features', 'uninstall', 'terraform@1.5.0', '--json'])
  expect(JSON.parse(last.stdout).removed[0]).toMatchObject({ version: '1.5.0', linked: true, relinked: { version: null, links: [] } })
  expect(await lstat(link).then(() => true, () => false)).toBe(false)
})

test('two versions of one tool in one call: both installed, the last named linked; one bad request installs nothing', async () => {
  for (const args of [['terraform@1.6.0', 'terraform@99'], ['terraform@99', 'terraform@1.6.0']]) {
    const bad = await b.runner(['features', 'install', ...args])
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toContain('error VERSION_NOT_FOUND: terraform@99')
  }
  expect(JSON.parse((await b.runner(['features', 'list', '--json'])).stdout).installed).toEqual([])

  // One plan for the whole call: the dry run shows every version and installs nothing.
  const dry = await b.runner(['features', 'install', 'terraform@1.5.0', 'terraform@1.6.0', '--dry-run', '--json'])
  expect(dry.exitCode, dry.all).toBe(0)
  expect(JSON.parse(dry.stdout).results.map((r: { spec: string; version: string; status: string; sourceUrl: string }) => `${r.spec} ${r.version} ${r.status} ${r.sourceUrl.split('/').pop()}`)).toEqual([
    '1.5.0 1.5.0 would-install terraform_1.5.0_linux_amd64.zip', '1.6.0 1.6.0 would-install terraform_1.6.0_linux_amd64.zip',
  ])
  expect(JSON.parse((await b.runner(['features', 'list', '--json'])).stdout).installed).toEqual([])

  const res = await b.runner(['features', 'install', 'terraform@1.5.0', 'terraform@1.6.0'])
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('terraform@1.5.0 → 1.5.0  installed')
  expect(res.stdout).toContain('terraform@1.6.0 → 1.6.0  installed')
  expect(await linked(await b.runner(['features', 'list', '--json']))).toEqual(['1.5.0', '1.6.0*'])

  // Named the other way round, the other one ends up linked.
  const swap = await b.runner(['features', 'install', 'terraform@1.6.0', 'terraform@1.5.0', '--json'])
  expect(swap.exitCode, swap.all).toBe(0)
  expect(JSON.parse(swap.stdout).results.map((r: { version: string; status: string }) => `${r.version} ${r.status}`)).toEqual(['1.6.0 already-installed', '1.5.0 already-installed'])
  expect(await linked(await b.runner(['features', 'list', '--json']))).toEqual(['1.5.0*', '1.6.0'])
})

test('two requests of one version: one download, one line each, the later one finds it installed', async () => {
  const res = await b.runner(['features', 'install', 'terraform@1.5', 'terraform@1.5.7'])
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('terraform@1.5 → 1.5.7  installed')
  expect(res.stdout).toContain('terraform@1.5.7 → 1.5.7  already installed')
  expect(res.stderr.match(/terraform: installing/g), res.stderr).toHaveLength(1)
  expect(await readlink(join(b.binDir, 'terraform'))).toContain('/terraform/1.5.7/')
  expect((await b.runner(['features', 'uninstall', 'terraform@1.5.7'])).exitCode).toBe(0)
})

test('relinking an installed version, or a --refresh no-op, says "already installed" and never "installing … from"', async () => {
  for (const args of [['terraform@1.5.0'], ['terraform@1.6.0'], ['terraform@1.5.0'], ['terraform@1.5.0', '--refresh']]) {
    const res = await b.runner(['features', 'install', ...args])
    expect(res.exitCode, res.all).toBe(0)
  }
  expect(await readlink(join(b.binDir, 'terraform'))).toContain('/terraform/1.5.0/')
  for (const args of [['terraform@1.6.0'], ['terraform@1.6.0', '--refresh']]) {
    const res = await b.runner(['features', 'install', ...args])
    expect(res.stdout).toContain('terraform@1.6.0 → 1.6.0  already installed')
    expect(res.stderr).not.toContain('installing')
  }
  expect(await readlink(join(b.binDir, 'terraform'))).toContain('/terraform/1.6.0/')
})

test('one version of several failing: the others still install, nothing of it is left, the last good one is linked', async () => {
  // A sandbox of its own: its download cache has never seen the tampered archive's real bytes.
  const c = await sandbox({ RUNNER_FEATURES_MIRROR_TERRAFORM: `${demo.server.url}hashicorp/` })
  const path = '/hashicorp/terraform/1.6.0/terraform_1.6.0_linux_amd64.zip'
  const tampered = Buffer.from(await (await fetch(`${demo.server.url}${path.slice(1)}`)).arrayBuffer())
  tampered[tampered.length - 30] = tampered[tampered.length - 30]! ^ 0xff
  demo.server.override(path, tampered)
  try {
    // Named first and failing: it blocks nothing, it is simply not there.
    const res = await c.runner(['features', 'install', 'terraform@1.6.0', 'terraform@1.5.0', '--json'])
    expect(res.exitCode).toBe(1)
    expect(JSON.parse(res.stdout).results.map((r: { version: string; status: string; error?: { code: string } }) => `${r.version} ${r.status} ${r.error?.code ?? ''}`.trim())).toEqual([
      '1.6.0 failed CHECKSUM_MISMATCH', '1.5.0 installed',
    ])
    expect(await readdir(join(c.toolCache, 'terraform'))).toEqual(['1.5.0'])
    expect(await linked(await c.runner(['features', 'list', '--json']))).toEqual(['1.5.0*'])

    // Named last and failing: the one before it stays installed and linked, exit 1, the error on stderr.
    const last = await c.runner(['features', 'install', 'terraform@1.5.7', 'terraform@1.6.0'])
    expect(last.exitCode).toBe(1)
    expect(last.stdout).toContain('terraform@1.5.7 → 1.5.7  installed')
    expect(last.stderr).toMatch(/error CHECKSUM_MISMATCH: .*terraform_1\.6\.0_SHA256SUMS/)
    expect((await readdir(join(c.toolCache, 'terraform'))).sort()).toEqual(['1.5.0', '1.5.7'])
    expect(await readlink(join(c.binDir, 'terraform'))).toContain('/terraform/1.5.7/')
  } finally {
    demo.server.clearOverrides()
    await c.cleanup()
  }
})
