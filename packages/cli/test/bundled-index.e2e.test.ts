import { cp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandbox, type Sandbox } from './helpers.js'

// The build ships dist/bundled-plugins.json so `features list` stats the bundled plugins' package.json
// files instead of reading them (core/src/bundled-index.ts). A stale or absent index must never
// change what the user sees. The built CLI is copied (bin, dist, package.json) next to a
// node_modules of links to the real plugins, except jq, whose package.json is a timestamp-preserving
// copy this test can edit without touching the repository.
const cliRoot = fileURLToPath(new URL('..', import.meta.url))
let b: Sandbox
let copy: string
const run = async (args: string[]) => {
  const r = await execa(process.execPath, [join(copy, 'bin', 'run.js'), ...args], { env: b.env, reject: false })
  expect(r.exitCode, r.stderr).toBe(0)
  return r.stdout
}
const jqPackageJson = () => join(copy, 'node_modules', '@runner-features', 'jq', 'package.json')
/** `features list --json` with the index taken away for one run. */
async function listWithoutIndex(): Promise<string> {
  const index = join(copy, 'dist', 'bundled-plugins.json')
  const saved = await readFile(index)
  await rm(index)
  try {
    return await run(['features', 'list', '--json'])
  } finally {
    await writeFile(index, saved)
  }
}

beforeAll(async () => {
  b = await sandbox()
  copy = join(b.dir, 'cli')
  await mkdir(copy)
  for (const entry of ['bin', 'dist', 'package.json', 'oclif.manifest.json']) await cp(join(cliRoot, entry), join(copy, entry), { recursive: true, preserveTimestamps: true })
  for (const scope of ['@runner-features', '@oclif']) {
    await mkdir(join(copy, 'node_modules', scope), { recursive: true })
    for (const name of await readdir(join(cliRoot, 'node_modules', scope))) {
      if (`${scope}/${name}` === '@runner-features/jq') continue
      await symlink(join(cliRoot, 'node_modules', scope, name), join(copy, 'node_modules', scope, name))
    }
  }
  await mkdir(join(copy, 'node_modules', '@runner-features', 'jq'))
  await cp(join(cliRoot, 'node_modules', '@runner-features', 'jq', 'package.json'), jqPackageJson(), { preserveTimestamps: true })
})
afterAll(async () => {
  await b?.cleanup()
})

test('the build indexes every bundled plugin the CLI registers', async () => {
  const cli = JSON.parse(await readFile(join(cliRoot, 'package.json'), 'utf8')) as { oclif: { plugins: string[] } }
  const index = JSON.parse(await readFile(join(cliRoot, 'dist', 'bundled-plugins.json'), 'utf8')) as { plugins: { name: string }[] }
  expect(index.plugins.map((p) => p.name).sort()).toEqual([...cli.oclif.plugins].sort())
})

test('features list is the same with the shipped index, without it, and after a bundled plugin changed', async () => {
  const indexed = await run(['features', 'list', '--json'])
  expect(JSON.parse(indexed).plugins.find((p: { id: string }) => p.id === 'jq')).toMatchObject({ origin: 'bundled', description: expect.stringContaining('jq') })
  expect(indexed).toBe(await listWithoutIndex())
  const text = await run(['features', 'list'])

  // A bundled plugin edited after the build, same size (so only its timestamp tells): shown as it is now.
  const pkg = await readFile(jqPackageJson(), 'utf8')
  const edited = pkg.replace('"description": "jq', '"description": "JQ')
  expect(edited).not.toBe(pkg)
  await writeFile(jqPackageJson(), edited)
  const stale = await run(['features', 'list', '--json'])
  expect(JSON.parse(stale).plugins.find((p: { id: string }) => p.id === 'jq').description).toMatch(/^JQ/)
  expect(stale).toBe(await listWithoutIndex())
  expect(await run(['features', 'list'])).toBe(text.replace('bundled  jq', 'bundled  JQ'))
})
