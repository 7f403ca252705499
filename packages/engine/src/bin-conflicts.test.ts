import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import type { Feature, Platform } from '@runner-features/core'
import { assertClaimsLinkable, assertPlanLinkable } from './bin-conflicts.js'
import type { PlannedFeature } from './plan.js'

// The plan-time bin-link check, on a real bin dir and tool cache in a temp dir.

let dir: string
let rt: { binDir: string; toolCacheRoot: string }
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bin-conflicts-'))
  rt = { binDir: join(dir, 'bin'), toolCacheRoot: join(dir, 'tc') }
})
afterEach(() => rm(dir, { recursive: true, force: true }))

/** `tool`'s installed `hello`, linked into the bin dir as a finished install would be. */
async function linkedHelloOf(tool: string): Promise<void> {
  const target = join(rt.toolCacheRoot, tool, '2.0.0', 'x64', 'hello')
  await mkdir(join(target, '..'), { recursive: true })
  await writeFile(target, '#!/bin/sh\n', { mode: 0o755 })
  await mkdir(rt.binDir, { recursive: true })
  await symlink(target, join(rt.binDir, 'hello'))
}

const LINUX = { os: 'linux', arch: 'x64' } as Platform
const plan = (features: PlannedFeature[], platform = LINUX) => ({ features, platform })

function line(toolName: string, bins: string[], system = false): PlannedFeature {
  return { id: toolName, system, feature: { toolName, bins } as unknown as Feature } as PlannedFeature
}

test('a bin whose link another tool holds is BIN_CONFLICT at plan time, naming the link and its owner', async () => {
  await linkedHelloOf('hello')
  const link = join(rt.binDir, 'hello')
  await expect(assertPlanLinkable(rt, plan([line('hola', ['bin/hello'])]), true)).rejects.toMatchObject({
    code: 'BIN_CONFLICT', where: link, message: expect.stringContaining(`${link} is linked to hello's hello`),
  })
  // The same tool switching versions, --no-link, and a distro-package install are not refused.
  await expect(assertPlanLinkable(rt, plan([line('hello', ['hello'])]), true)).resolves.toBeUndefined()
  await expect(assertPlanLinkable(rt, plan([line('hola', ['hello'])]), false)).resolves.toBeUndefined()
  await expect(assertPlanLinkable(rt, plan([line('hola', ['hello'], true)]), true)).resolves.toBeUndefined()
})

test('two tools of one plan exposing the same executable are BIN_CONFLICT before either is downloaded', async () => {
  const link = join(rt.binDir, 'hello')
  await expect(assertClaimsLinkable([{ toolName: 'hello', bins: ['hello'] }, { toolName: 'jq', bins: ['jq'] }, { toolName: 'hola', bins: ['bin/hello'] }], rt.binDir, rt.toolCacheRoot)).rejects.toMatchObject({
    code: 'BIN_CONFLICT',
    where: link,
    message: `${link} would be linked to both hello's hello and hola's hello; two features of this install expose a hello`,
    hint: 'install hello and hola in separate runs, one of them with --no-link or another --bin-dir',
  })
  // Two versions of one tool in one plan share their links.
  await expect(assertClaimsLinkable([{ toolName: 'hello', bins: ['hello'] }, { toolName: 'hello', bins: ['hello'] }], rt.binDir, rt.toolCacheRoot)).resolves.toBeUndefined()
})

test('a file runner-features did not create is BIN_CONFLICT at plan time', async () => {
  await mkdir(rt.binDir, { recursive: true })
  await writeFile(join(rt.binDir, 'jq'), 'mine')
  await expect(assertPlanLinkable(rt, plan([line('jq', ['jq'])]), true)).rejects.toMatchObject({
    code: 'BIN_CONFLICT', message: `${join(rt.binDir, 'jq')} already exists and was not created by runner-features`,
  })
})

test('a feature with bins per OS is checked with the list of the OS the plan installs for', async () => {
  await linkedHelloOf('hello')
  const perOs = { ...line('hola', ['hello']), feature: { toolName: 'hola', bins: ['hello'], binsByOs: { linux: ['hello'], windows: ['hello.exe'] } } as unknown as Feature }
  await expect(assertPlanLinkable(rt, plan([perOs]), true)).rejects.toMatchObject({ code: 'BIN_CONFLICT' })
  await expect(assertPlanLinkable(rt, plan([perOs], { os: 'windows', arch: 'x64' } as Platform), true)).resolves.toBeUndefined()
})
