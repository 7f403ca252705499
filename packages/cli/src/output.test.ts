import { afterEach, beforeEach, expect, test, vi } from 'vitest'

// What users see for an error: printError's text and --json shapes, written through fd 1 (mocked
// here) and stderr (spied).
const fd1: string[] = []
let fail: string | undefined
vi.mock('node:fs', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:fs')>()),
  writeSync: (fd: number, buf: Buffer) => {
    if (fail) throw Object.assign(new Error(`${fail}: write`), { code: fail })
    if (fd === 1) fd1.push(buf.toString())
    return buf.length
  },
}))
const { printError, writeOut } = await import('./output.js')
const { RunnerError } = await import('@runner-features/core')

let stderr: string[]
beforeEach(() => {
  fd1.length = 0
  fail = undefined
  stderr = []
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk))
    return true
  })
})
afterEach(() => vi.restoreAllMocks())

test('an unexpected error is INTERNAL_ERROR with its real message and the report hint, as text and as JSON', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'url') at https://user:pw@mirror.example/x")
  expect(printError(bug, false)).toBe(1)
  expect(stderr.join('')).toBe("error INTERNAL_ERROR: unexpected error: TypeError: Cannot read properties of undefined (reading 'url') at https://***@mirror.example/x\n  hint: this is a bug in runner-features or one of its plugins, not in your input; please report it with the command you ran, `runner --version` and this message (RUNNER_FEATURES_DEBUG=1 also prints the stack)\n")
  expect(printError(bug, true)).toBe(1)
  expect(JSON.parse(fd1.join(''))).toEqual({ error: { code: 'INTERNAL_ERROR', message: "unexpected error: TypeError: Cannot read properties of undefined (reading 'url') at https://***@mirror.example/x", hint: expect.stringContaining('please report it') } })
})

test('coded errors keep their code; oclif usage errors (exit 2) are INVALID_ARGUMENT, its other errors are not', () => {
  printError(new RunnerError('DISK_FULL', 'no space left', { where: '/cache', hint: 'free some space' }), false)
  printError(Object.assign(new Error('Nonexistent flag: --bogus'), { oclif: { exit: 2 } }), false)
  printError(Object.assign(new Error('[MODULE_NOT_FOUND] import() failed'), { oclif: { exit: 1 } }), false)
  expect(stderr.map((l) => l.split('\n')[0])).toEqual([
    'error DISK_FULL: /cache: no space left',
    'error INVALID_ARGUMENT: --bogus: unknown flag --bogus',
    'error INTERNAL_ERROR: unexpected error: [MODULE_NOT_FOUND] import() failed',
  ])
})

test('a reader that closed stdout (EPIPE) drops the output quietly', () => {
  fail = 'EPIPE'
  expect(() => writeOut('one\ntwo\n')).not.toThrow()
  fail = 'EIO'
  // Once closed, stdout stays closed: nothing more is attempted.
  expect(() => writeOut('three\n')).not.toThrow()
})
