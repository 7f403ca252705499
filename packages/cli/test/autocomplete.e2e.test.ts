import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandbox, type Sandbox } from './helpers.js'

// Shell completion through @oclif/plugin-autocomplete: setup instructions, and a completion cache
// that knows our commands and their flags.
let b: Sandbox
beforeAll(async () => {
  b = await sandbox({ XDG_CACHE_HOME: '' })
})
afterAll(() => b?.cleanup())

test('autocomplete bash prints the setup and writes completions for our commands and flags', async () => {
  const res = await b.runner(['autocomplete', 'bash'])
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('runner autocomplete script bash')
  const dir = join(b.dir, '.cache', 'runner-features', 'autocomplete')
  const files = await readdir(dir, { recursive: true })
  const bash = files.map(String).find((f) => f.endsWith('.bash') && f.includes('functions'))
  expect(bash, files.join(', ')).toBeDefined()
  const text = await readFile(join(dir, bash!), 'utf8')
  for (const word of ['features', 'install', 'which', 'prune', '--dry-run']) expect(text).toContain(word)
})

test('zsh is supported too', async () => {
  const res = await b.runner(['autocomplete', 'zsh'])
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('runner autocomplete script zsh')
})
