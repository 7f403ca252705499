import { readlink, rm } from 'node:fs/promises'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { runnerSandbox, sha256Hex, startFixtureMirror, writeGithubReleaseMirror, type FixtureMirror, type RunnerSandbox } from '../../kit/src/testing/index.js'
import { RUNNER_BIN } from './helpers.js'

// The built `runner`: jq installed for real from a 127.0.0.1 mirror (stand-in binaries, jq's
// github-release layout), then broken on disk; `features doctor` must say what is wrong, exit 1,
// and `--fix` must repair the safe part.
let work: string
let mirror: FixtureMirror
let box: RunnerSandbox

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rf-doctor-e2e-'))
  const body = '#!/bin/sh\necho "jq-1.8.1"\n'
  await writeGithubReleaseMirror(join(work, 'mirror'), [{ tag: 'jq-1.8.1', assets: { 'jq-linux-amd64': body, 'sha256sum.txt': `${sha256Hex(body)}  jq-linux-amd64\n` } }], [{ tag_name: 'jq-1.8.1', draft: false, prerelease: false }])
  mirror = await startFixtureMirror(join(work, 'mirror'))
  box = await runnerSandbox(RUNNER_BIN, { RUNNER_FEATURES_MIRROR_JQ: mirror.url })
}, 60_000)
afterAll(async () => {
  await mirror?.close()
  await box?.cleanup()
  if (work) await rm(work, { recursive: true, force: true })
})

test('doctor: a healthy install is a find() hit and exit 0; a removed link and a lost install are found, exit 1, and --fix repairs them', async () => {
  const env = { PATH: `${box.binDir}:${process.env.PATH}` }
  expect((await box.run(['features', 'install', 'jq@1.8.1'], env)).exitCode).toBe(0)
  const healthy = await box.run(['features', 'doctor'], env)
  expect(healthy.exitCode, healthy.stdout + healthy.stderr).toBe(0)
  expect(healthy.stdout).toContain(`jq 1.8.1 (x64): tool-cache find() hit ${join(box.toolCache, 'jq', '1.8.1', 'x64')}`)
  expect(healthy.stdout).toContain('No problems found.')

  await rm(join(box.binDir, 'jq'))
  const missing = await box.run(['features', 'doctor', '--json'], env)
  expect(missing.exitCode).toBe(1)
  expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, problems: [{ kind: 'link-missing', severity: 'error', where: join(box.binDir, 'jq'), fixable: true }] })
  const relinked = await box.run(['features', 'doctor', '--fix'], env)
  expect(relinked.exitCode, relinked.stdout).toBe(0)
  expect(relinked.stdout).toContain('error link-missing: jq: the bin link')
  expect(relinked.stdout).toContain('[fixed]')
  expect(await readlink(join(box.binDir, 'jq'))).toBe(join(box.toolCache, 'jq', '1.8.1', 'x64', 'jq'))

  await rm(join(box.toolCache, 'jq'), { recursive: true })
  const gone = await box.run(['features', 'doctor', '--json'], env)
  expect(gone.exitCode).toBe(1)
  expect(JSON.parse(gone.stdout).problems.map((p: { kind: string }) => p.kind)).toEqual(['files-gone'])
  expect((await box.run(['features', 'doctor', '--fix', '--json'], env)).exitCode).toBe(0)
  const list = JSON.parse((await box.run(['features', 'list', '--json'])).stdout)
  expect(list.installed).toEqual([])
  expect((await box.run(['features', 'doctor'], env)).exitCode).toBe(0)
}, 120_000)
