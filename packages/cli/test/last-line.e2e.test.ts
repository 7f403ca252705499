import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { buildDemoMirror, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { RUNNER_BIN, sandbox, type Sandbox } from './helpers.js'

// The last line of defence: whatever goes wrong, the user sees one coded error (or nothing, when
// the reader of stdout left), exit 1 (never 13), no stack trace.
const boxes: Sandbox[] = []
afterEach(async () => {
  await Promise.all(boxes.splice(0).map((b) => b.cleanup()))
})
let server: MirrorServer
let nodeVersion: string
beforeAll(async () => {
  const mirror = await buildDemoMirror()
  server = await startMirrorServer(mirror.root)
  nodeVersion = mirror.nodejs.versions[0]!
})
afterAll(async () => {
  await server?.close()
})

async function box(): Promise<Sandbox> {
  const b = await sandbox({ RUNNER_FEATURES_MIRROR_NODEJS: `${server.url}nodejs/` })
  boxes.push(b)
  return b
}
const STACK = /^\s+at\s/m

describe('a plugin bug that escapes every await', () => {
  test.each([
    ['uncaught exception', 'exception', "unexpected error: TypeError: Cannot read properties of undefined (reading 'versions')"],
    ['unhandled rejection', 'rejection', 'unexpected error: RangeError: a stray rejection from https://***@crash.example.com/index.json'],
  ])('%s → INTERNAL_ERROR with the real message and a hint, exit 1, no stack', async (_name, mode, message) => {
    const b = await box()
    const add = await b.runner(['plugins', 'install', fileURLToPath(new URL('./fixtures/crash-plugin', import.meta.url))])
    expect(add.exitCode, add.all).toBe(0)

    const res = await b.runner(['features', 'install', 'crash@1'], { env: { CRASH_MODE: mode } })
    expect(res.exitCode, res.all).toBe(1)
    expect(res.stderr).toContain(`error INTERNAL_ERROR: ${message}`)
    expect(res.stderr).toContain('hint: this is a bug in runner-features or one of its plugins')
    expect(res.all).not.toMatch(STACK)
    expect(res.all).not.toContain('hunter2')
    expect(res.stderr.match(/^error /gm)).toHaveLength(1)

    const json = await b.runner(['features', 'install', 'crash@1', '--json'], { env: { CRASH_MODE: mode } })
    expect(json.exitCode).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'INTERNAL_ERROR', message } })
    // Nothing was started, so nothing is left: no lock, no staging dir.
    expect(await readdir(b.toolCache).catch(() => [])).not.toContain('crash')
  })
})

describe('stdout closed by its reader (`| head -1`, `| true`)', () => {
  test.each([
    ['--help'],
    ['features install --help'],
    ['features list'],
    ['features list --json'],
    ['--version'],
  ])('runner %s: the first line, no error, no stack, exit status 0', async (args) => {
    const b = await box()
    const runner = `"${process.execPath}" "${RUNNER_BIN}" ${args}`
    // `head -1` reads one line and leaves; `true` never reads, so every write meets EPIPE.
    const res = await execa('bash', ['-c', `${runner} | head -1; a=\${PIPESTATUS[0]}; ${runner} | true; echo "status $a \${PIPESTATUS[0]}"`], {
      env: { ...b.env, PATH: process.env.PATH ?? '' }, reject: false,
    })
    const [first, status] = res.stdout.split('\n')
    expect(first).not.toBe('')
    expect(status).toBe('status 0 0')
    expect(res.stderr).toBe('')
  })
})

describe('errors a user can cause stay what they were', () => {
  test('an unknown flag on the oclif path is INVALID_ARGUMENT (not relabelled, not a stack)', async () => {
    const b = await box()
    const res = await b.runner(['features', 'versions', 'nodejs', '--bogus'])
    expect(res.exitCode).toBe(1)
    expect(res.stderr).toContain('error INVALID_ARGUMENT: --bogus: unknown flag --bogus')
    expect(res.all).not.toMatch(STACK)
  })
})

/** Every file and dir under `dir`, relative, sorted (missing dir: none). */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[])
  return entries.map(String).sort()
}

test('a corrupt tar.gz in the download cache: healed or a coded error, never exit 13 or a stack; nothing left behind', async () => {
  const b = await box()
  expect((await b.runner(['features', 'install', `nodejs@${nodeVersion}`])).exitCode).toBe(0)
  const un = await b.runner(['features', 'uninstall', `nodejs@${nodeVersion}`])
  expect(un.exitCode, un.all).toBe(0)
  // Same length, garbage from the middle on: the gzip stream breaks while extracting.
  const cached = join(b.cacheDir, 'downloads', 'sha256')
  const [entry] = (await readdir(cached)).filter((n) => /^[0-9a-f]{64}$/.test(n))
  const bytes = await readFile(join(cached, entry!))
  bytes.fill(0x5a, bytes.length >> 1)
  await writeFile(join(cached, entry!), bytes)

  const res = await b.runner(['features', 'install', `nodejs@${nodeVersion}`])
  expect(res.exitCode, res.all).not.toBe(13)
  expect(res.all).not.toContain('unsettled top-level await')
  expect(res.all).not.toMatch(STACK)
  if (res.exitCode === 0) expect(res.stdout).toContain(`nodejs@${nodeVersion} → ${nodeVersion}  installed`)
  else expect(res.stderr).toMatch(/^error [A-Z_]+: .*\n  hint: /m)
  const left = await tree(join(b.toolCache, 'node'))
  expect(left.filter((p) => p.includes('.staging-') || p.endsWith('.lock'))).toEqual([])
  // Installed (marker and dir), or not at all (neither).
  const installed = [`${nodeVersion}/x64`, `${nodeVersion}/x64.complete`].map((p) => left.includes(p))
  expect(installed).toEqual(res.exitCode === 0 ? [true, true] : [false, false])
})
