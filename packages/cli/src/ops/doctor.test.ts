import { chmod, mkdir, mkdtemp, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { readState, updateState, withRecord, type InstalledRecord } from '@runner-features/core'
import { createRuntime, type Runtime } from '../runtime.js'
import { runDoctor } from './doctor.js'

// Each test plants installs in a real temp tool cache (dirs, markers, state records, bin links),
// breaks one thing, and checks what doctor reports and what --fix repairs.
let dir: string
let tc: string
let bin: string
let rt: Runtime

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-doctor-'))
  tc = join(dir, 'toolcache')
  bin = join(dir, 'bin')
  await mkdir(bin, { recursive: true })
  rt = createRuntime({}, { RUNNER_TOOL_CACHE: tc, RUNNER_FEATURES_BIN_DIR: bin, HOME: dir, PATH: `${bin}:/usr/bin:/bin` })
})
afterEach(() => rm(dir, { recursive: true, force: true }))

/** A complete install as the installer leaves it: files, marker, bin link, state record. */
async function plant(id: string, toolName: string, version: string, bins: string[], opts: { marker?: boolean; link?: boolean; installedAt?: string } = {}): Promise<InstalledRecord> {
  const path = join(tc, toolName, version, 'x64')
  for (const b of bins) {
    await mkdir(join(path, b, '..'), { recursive: true })
    await writeFile(join(path, b), `#!/bin/sh\necho ${id} ${version}\n`, { mode: 0o755 })
  }
  if (opts.marker !== false) await writeFile(`${path}.complete`, '')
  const links = bins.map((b) => join(bin, b.split('/').at(-1)!))
  if (opts.link !== false) for (const [i, b] of bins.entries()) { await rm(links[i]!, { force: true }); await symlink(join(path, b), links[i]!) }
  const record: InstalledRecord = { id, toolName, version, arch: 'x64', path, sourceUrl: `https://example.invalid/${id}`, sha256: 'a'.repeat(64), size: 1, plugin: { name: `@runner-features/${id}`, version: '0.1.0' }, links, installedAt: opts.installedAt ?? '2026-01-01T00:00:00.000Z' }
  await updateState(rt.stateFile, (s) => withRecord(s, record))
  return record
}
const kinds = (r: { problems: { kind: string }[] }) => r.problems.map((p) => p.kind).sort()

test('healthy installs: each replayed find() hits, named by its setup action; nothing wrong', async () => {
  await plant('kubectl', 'kubectl', '1.33.9', ['kubectl'])
  await plant('go', 'go', '1.22.1', ['bin/go', 'bin/gofmt'])
  const result = await runDoctor(rt, { fix: false })
  expect(result).toMatchObject({ ok: true, problems: [] })
  expect(result.features).toEqual([
    expect.objectContaining({ id: 'go', action: 'actions/setup-go', find: { hit: true, path: join(tc, 'go', '1.22.1', 'x64'), reason: 'directory and marker present' } }),
    expect.objectContaining({ id: 'kubectl', action: 'azure/setup-kubectl', find: expect.objectContaining({ hit: true }) }),
  ])
  // The replay agrees with the real @actions/tool-cache, as setup-kubectl calls it.
  process.env.RUNNER_TOOL_CACHE = tc
  try {
    const toolCache = await import('@actions/tool-cache')
    expect(toolCache.find('kubectl', 'v1.33.9', 'x64')).toBe(join(tc, 'kubectl', '1.33.9', 'x64'))
  } finally {
    delete process.env.RUNNER_TOOL_CACHE
  }
})

test('a state record whose files are gone: error; --fix drops the record and its link', async () => {
  await plant('kubectl', 'kubectl', '1.33.9', ['kubectl'])
  await rm(join(tc, 'kubectl', '1.33.9'), { recursive: true })
  const found = await runDoctor(rt, { fix: false })
  expect(found.ok).toBe(false)
  expect(kinds(found)).toEqual(['files-gone'])
  expect(found.features[0]!.find).toMatchObject({ hit: false, reason: expect.stringContaining('no directory') })
  const fixed = await runDoctor(rt, { fix: true })
  expect(fixed).toMatchObject({ ok: true, problems: [expect.objectContaining({ kind: 'files-gone', fixed: true })] })
  expect((await readState(rt.stateFile)).installs).toEqual([])
  expect(existsSync(join(bin, 'kubectl')) || (await readlink(join(bin, 'kubectl')).catch(() => null))).toBeFalsy()
  expect(await runDoctor(rt, { fix: false })).toMatchObject({ ok: true, problems: [] })
})

test('an install without its .complete marker: find() misses, saying why; not auto-fixed', async () => {
  await plant('helm', 'helm', '4.1.4', ['helm'], { marker: false })
  const result = await runDoctor(rt, { fix: true })
  expect(result.ok).toBe(false)
  expect(result.problems).toEqual([expect.objectContaining({ kind: 'find-miss', fixable: false, message: expect.stringContaining('azure/setup-helm misses it: no x64.complete marker') })])
  expect(result.problems[0]!.fixed).toBeUndefined()
})

test('a version directory that is not semver: find() can never match it', async () => {
  await plant('go', 'go', '1.22', ['bin/go'])
  const result = await runDoctor(rt, { fix: false })
  expect(result.problems).toEqual([expect.objectContaining({ kind: 'find-miss', message: expect.stringContaining('"1.22" is not semver') })])
})

test('a missing bin link: --fix links it again', async () => {
  await plant('kubectl', 'kubectl', '1.33.9', ['kubectl'])
  await rm(join(bin, 'kubectl'))
  expect(kinds(await runDoctor(rt, { fix: false }))).toEqual(['link-missing'])
  expect((await runDoctor(rt, { fix: true })).ok).toBe(true)
  expect(await readlink(join(bin, 'kubectl'))).toBe(join(tc, 'kubectl', '1.33.9', 'x64', 'kubectl'))
})

test('a link pointing at a removed version: dangling; --fix points it at the installed one', async () => {
  await plant('kubectl', 'kubectl', '1.33.9', ['kubectl'])
  await rm(join(bin, 'kubectl'))
  await symlink(join(tc, 'kubectl', '1.30.0', 'x64', 'kubectl'), join(bin, 'kubectl'))
  expect(kinds(await runDoctor(rt, { fix: false }))).toEqual(['link-dangling'])
  expect((await runDoctor(rt, { fix: true })).ok).toBe(true)
  expect(await readlink(join(bin, 'kubectl'))).toBe(join(tc, 'kubectl', '1.33.9', 'x64', 'kubectl'))
})

test('an unclaimed link into the tool cache pointing at nothing: --fix removes it', async () => {
  await symlink(join(tc, 'jq', '1.6.0', 'x64', 'jq'), join(bin, 'jq'))
  expect(kinds(await runDoctor(rt, { fix: false }))).toEqual(['link-dangling'])
  expect((await runDoctor(rt, { fix: true })).ok).toBe(true)
  expect(await readlink(join(bin, 'jq')).catch(() => null)).toBeNull()
})

test('a link pointing at another, unrecorded version: flagged with that dir; --fix relinks to the recorded one', async () => {
  await plant('kubectl', 'kubectl', '1.33.9', ['kubectl'])
  const other = join(tc, 'kubectl', '1.32.0', 'x64')
  await mkdir(other, { recursive: true })
  await writeFile(join(other, 'kubectl'), '#!/bin/sh\n', { mode: 0o755 })
  await writeFile(`${other}.complete`, '')
  await rm(join(bin, 'kubectl'))
  await symlink(join(other, 'kubectl'), join(bin, 'kubectl'))
  const found = await runDoctor(rt, { fix: false })
  expect(kinds(found)).toEqual(['link-other-version', 'unrecorded-dir'])
  expect(found.problems.find((p) => p.kind === 'unrecorded-dir')).toMatchObject({ severity: 'warning', where: other })
  const fixed = await runDoctor(rt, { fix: true })
  expect(fixed.ok).toBe(true)
  expect(await readlink(join(bin, 'kubectl'))).toBe(join(tc, 'kubectl', '1.33.9', 'x64', 'kubectl'))
  expect(existsSync(other)).toBe(true) // another tool's download is never deleted
})

test('a file runner-features did not make where its link should be: flagged, left alone', async () => {
  await plant('kubectl', 'kubectl', '1.33.9', ['kubectl'], { link: false })
  await writeFile(join(bin, 'kubectl'), '#!/bin/sh\n', { mode: 0o755 })
  const result = await runDoctor(rt, { fix: true })
  expect(result).toMatchObject({ ok: false, problems: [expect.objectContaining({ kind: 'link-foreign', fixable: false })] })
  expect((await stat(join(bin, 'kubectl'))).isFile()).toBe(true)
})

test('an executable earlier on PATH shadows the bin dir link; a bin dir off PATH is a warning', async () => {
  await plant('kubectl', 'kubectl', '1.33.9', ['kubectl'])
  const early = join(dir, 'early')
  await mkdir(early)
  await writeFile(join(early, 'kubectl'), '#!/bin/sh\n')
  await chmod(join(early, 'kubectl'), 0o755)
  const shadowed = await runDoctor(createRuntime({}, { ...rt.env, PATH: `${early}:${bin}:/usr/bin` }), { fix: false })
  expect(shadowed.ok).toBe(false)
  expect(shadowed.problems).toEqual([expect.objectContaining({ kind: 'path-shadowed', where: join(early, 'kubectl'), fixable: false })])
  const off = await runDoctor(createRuntime({}, { ...rt.env, PATH: '/usr/bin' }), { fix: false })
  expect(off).toMatchObject({ ok: true, problems: [expect.objectContaining({ kind: 'bin-dir-off-path', severity: 'warning' })] })
})

test('a tool-cache dir with neither marker nor record: --fix removes it, unless an install holds its lock', async () => {
  const left = join(tc, 'helm', '4.1.4', 'x64')
  await mkdir(left, { recursive: true })
  await writeFile(join(left, 'helm'), 'half written')
  await writeFile(`${left}.lock`, '{}')
  const locked = await runDoctor(rt, { fix: true })
  expect(locked.problems).toEqual([expect.objectContaining({ kind: 'incomplete-dir', fixable: false })])
  expect(existsSync(left)).toBe(true)
  await rm(`${left}.lock`)
  const fixed = await runDoctor(rt, { fix: true })
  expect(fixed).toMatchObject({ ok: true, problems: [expect.objectContaining({ kind: 'incomplete-dir', fixed: true })] })
  expect(existsSync(join(tc, 'helm', '4.1.4'))).toBe(false)
})
