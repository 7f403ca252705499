import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { RUNNER_BIN, sandbox, type Sandbox } from './helpers.js'

// What the hot paths load, without timing them (docs/benchmarks.md has the figures): Node's ESM
// facade of `fs` loads the streams stack through its lazy getters, and `fs/promises` pulls in
// readline and the REPL history; together ≈ 3-4 ms, a sixth of a bare `node -e 0`, on every
// `runner --version` and `runner features list`. A CommonJS preload lists the built-in modules the
// built CLI loaded (it loads none of these itself).
let b: Sandbox
let preload: string

beforeAll(async () => {
  b = await sandbox()
  preload = join(b.dir, 'modules.cjs')
  await writeFile(preload, "process.on('exit', () => require('fs').writeSync(2, '\\nMODULES ' + JSON.stringify(process.moduleLoadList) + '\\n'))\n")
})
afterAll(async () => {
  await b?.cleanup()
})

async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const r = await execa(process.execPath, ['--require', preload, RUNNER_BIN, ...args], { env: b.env, reject: false })
  expect(r.exitCode, r.stderr).toBe(0)
  return JSON.parse(/^MODULES (.*)$/m.exec(r.stderr)![1]!) as string[]
}

test.each([[['--version']], [['features', 'list']], [['features', 'list', '--json']]])('runner %j loads neither the streams stack nor fs/promises', async (args) => {
  const loaded = await modulesLoadedBy(args)
  expect(loaded).toContain('NativeModule fs')
  expect(loaded.filter((m) => /^NativeModule (fs\/promises|internal\/fs\/promises|internal\/fs\/streams|stream|internal\/readline\/interface)$/.test(m))).toEqual([])
})
