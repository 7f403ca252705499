import { execa } from 'execa'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { RUNNER_BIN, sandbox, type Sandbox } from './helpers.js'

// oclif's own failures (unknown command, unknown flag, stray or missing argument, -h) print the
// documented error format with a stable code, where and hint, as text and as --json, exit 1.

let b: Sandbox
beforeAll(async () => {
  b = await sandbox()
})
afterAll(() => b.cleanup())

const STACK = /\n\s+at .+:\d+:\d+/

test('an unknown command is UNKNOWN_COMMAND with did-you-mean, in text and JSON', async () => {
  const lst = await b.runner(['features', 'lst'])
  expect(lst.exitCode).toBe(1)
  expect(lst.stderr).toBe('error UNKNOWN_COMMAND: runner features lst: no command "features lst"\n  hint: did you mean `runner features list`? (`runner --help` lists the commands)')
  const json = await b.runner(['features', 'lst', '--json'])
  expect(json.exitCode).toBe(1)
  expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'UNKNOWN_COMMAND', where: 'runner features lst', details: { suggestions: ['runner features list'] } })
  // A topic left out: `runner install` points at `runner features install`.
  const bare = await b.runner(['install', 'nodejs@20'])
  expect(bare.stderr).toContain('error UNKNOWN_COMMAND: runner install: no command "install"')
  expect(bare.stderr).toContain('`runner features install`')
  const sub = await b.runner(['plugins', 'instal', 'x'])
  expect(sub.stderr).toContain('did you mean `runner plugins install`?')
  expect(lst.all + bare.all + sub.all).not.toMatch(STACK)
})

test('an unknown flag names the flag (where) and a close one, once; JSON has where', async () => {
  const res = await b.runner(['features', 'versions', 'nodejs', '--jsn'])
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toBe('error INVALID_ARGUMENT: --jsn: unknown flag --jsn\n  hint: did you mean --json? (--help lists the flags)')
  const json = await b.runner(['features', 'install', '--json', '--bogus'])
  expect(json.exitCode).toBe(1)
  expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'INVALID_ARGUMENT', where: '--bogus', message: 'unknown flag --bogus' })
  expect(json.stdout).not.toContain('See more help')
})

test('a stray argument and a missing one are INVALID_ARGUMENT naming the command or argument', async () => {
  const stray = await b.runner(['features', 'list', 'foo'])
  expect(stray.exitCode).toBe(1)
  expect(stray.stderr).toContain('error INVALID_ARGUMENT: runner features list: unexpected argument foo')
  const missing = await b.runner(['features', 'versions'])
  expect(missing.exitCode).toBe(1)
  expect(missing.stderr).toBe('error INVALID_ARGUMENT: arguments: missing required argument <id>\n  hint: run with --help for usage')
})

test('a 5,000-character command is not echoed whole', async () => {
  const res = await b.runner(['features', 'x'.repeat(5000)])
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toContain('error UNKNOWN_COMMAND')
  expect(res.stderr).toContain('(5009 characters)')
  expect(res.stderr.length).toBeLessThan(400)
})

test('-h is --help', async () => {
  const res = await b.runner(['features', 'install', '-h'])
  expect(res.exitCode).toBe(0)
  expect(res.stdout).toContain('USAGE')
  expect(res.stdout).toContain('--dry-run')
})

test('--help | head: the closed pipe ends the run quietly (no warning, no EPIPE, exit 0)', async () => {
  const res = await execa('sh', ['-c', `"${process.execPath}" "${RUNNER_BIN}" features install --help | head -1`], { env: b.env, reject: false })
  expect(res.exitCode).toBe(0)
  expect(res.stdout.split('\n')).toHaveLength(1)
  expect(res.stderr).toBe('')
})
