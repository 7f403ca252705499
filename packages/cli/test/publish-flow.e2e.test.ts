// A team's publish flow, end to end with the built CLI and a real npm registry (verdaccio, pinned,
// on 127.0.0.1, no uplinks): `runner features new --scope @acme` scaffolds a plugin, `npm publish`
// puts it on the registry, and a policy-governed runner installs it from there — refused without a
// policy line, allowed once the line is approved, then `runner features install foo@1` from a
// 127.0.0.1 mirror of the scaffold's own fixture layout. Finally the same version is published again
// with other bytes (a fresh registry storage, as a compromised or rewritten registry would serve it)
// and the team lock refuses it: PLUGIN_INTEGRITY_MISMATCH.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { execa } from 'execa'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandbox, type Sandbox } from './helpers.js'
import { startRegistry, type Registry } from './verdaccio.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const NAME = '@acme/runner-feature-foo'

let work: string
let box: Sandbox
/** The kit's 127.0.0.1 fixture server (the CLI package does not depend on the kit, so it is loaded by path). */
let mirror: { url: string; close(): Promise<void> } | undefined
const registries: Registry[] = []

/** A verdaccio with fresh storage under `work/<name>`, stopped after the test. */
async function registryNamed(name: string): Promise<Registry> {
  const registry = await startRegistry(join(work, name))
  registries.push(registry)
  return registry
}

/** Builds the scaffold and `npm publish`es it as a team member does. */
async function publish(dir: string, registry: Registry): Promise<void> {
  await execa('npm', ['run', 'build'], { cwd: dir })
  expect(await registry.publish(dir)).toContain(`+ ${NAME}@0.1.0`)
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rf-publish-'))
  box = await sandbox()
}, 360_000)
afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()))
  await mirror?.close()
  await box?.cleanup()
  if (work) await rm(work, { recursive: true, force: true })
})

test('scaffold → npm publish → policy-governed install from the registry → features install; re-published bytes refused by the lock', async () => {
  const registry = await registryNamed('registry-a')

  // 1. Scaffold and publish.
  const plugin = join(work, 'runner-feature-foo')
  const scaffold = await box.runner(['features', 'new', 'foo', '--repo', 'acme/foo', '--scope', '@acme', '--dir', plugin])
  expect(scaffold.exitCode, scaffold.all).toBe(0)
  await publish(plugin, registry)

  // 2. A clean runner home whose team keeps its policy next to its config.
  const team = join(work, 'team')
  await mkdir(join(team, '.github'), { recursive: true })
  await writeFile(join(team, '.github', 'runner-config.yml'), 'features:\n  - { id: foo, version: "1" }\n')
  const policy = join(team, '.github', 'runner-features.policy.yaml')
  const run = (args: string[], env: Record<string, string> = {}) => box.runner(args, { cwd: team, env: { RUNNER_FEATURES_POLICY: policy, ...env } })
  const install = ['plugins', 'install', NAME, '--registry', registry.url]

  const refused = await run(install)
  expect(refused.exitCode).toBe(1)
  expect(refused.stderr).toContain('error PLUGIN_NOT_ALLOWED')
  expect(refused.stderr).toContain(`- { name: "${NAME}", version: "^0.1.0", integrity: "sha512-`)
  expect(existsSync(join(box.dir, 'plugins', 'node_modules', '@acme', 'runner-feature-foo'))).toBe(false)

  // The policy allows the name and range (no pinned integrity: the lock is what pins bytes here).
  await writeFile(policy, `plugins:\n  - { name: "${NAME}", version: "^0.1.0" }\n`)
  expect((await run(['plugins', 'allow'])).exitCode).toBe(0)
  const added = await run([...install, '--json'])
  expect(added.exitCode, added.all).toBe(0)
  const first = JSON.parse(added.stdout) as { integrity: string }
  expect(first).toMatchObject({ name: NAME, version: '0.1.0', id: 'foo', source: 'registry', integrity: expect.stringMatching(/^sha512-/) })

  // 3. foo@1 from a 127.0.0.1 mirror built by the scaffold's own fixtures/mirror.ts (it imports the kit).
  await mkdir(join(plugin, 'node_modules', '@runner-features'), { recursive: true })
  await symlink(join(REPO, 'packages', 'kit'), join(plugin, 'node_modules', '@runner-features', 'kit'))
  const fixture = (await import(pathToFileURL(join(plugin, 'fixtures', 'mirror.ts')).href)) as { mirror(o: { dir: string }): Promise<{ root: string }> }
  const kit = (await import(pathToFileURL(join(REPO, 'packages', 'kit', 'dist', 'testing', 'index.js')).href)) as { startFixtureMirror(root: string): Promise<{ url: string; close(): Promise<void> }> }
  mirror = await kit.startFixtureMirror((await fixture.mirror({ dir: join(work, 'foo-mirror') })).root)
  const mirrorEnv = { RUNNER_FEATURES_MIRROR_FOO: mirror.url }
  const foo = await run(['features', 'install', 'foo@1'], mirrorEnv)
  expect(foo.exitCode, foo.all).toBe(0)
  expect(execFileSync(join(box.binDir, 'foo'), ['--version'], { encoding: 'utf8' })).toBe('foo 1.0.0\n')

  // The team's config install writes the lock, recording the plugin's integrity.
  const locked = await run(['features', 'install'], mirrorEnv)
  expect(locked.exitCode, locked.all).toBe(0)
  const lockText = await readFile(join(team, '.github', 'runner-features.lock'), 'utf8')
  expect(lockText).toContain(first.integrity)

  // 4. The same version, other bytes, on a registry with fresh storage.
  await appendFile(join(plugin, 'README.md'), '\nRe-published with other bytes.\n')
  const registryB = await registryNamed('registry-b')
  await publish(plugin, registryB)
  const swapped = await run(['plugins', 'install', NAME, '--registry', registryB.url, '--json'])
  expect(swapped.exitCode, swapped.all).toBe(0)
  expect(JSON.parse(swapped.stdout).integrity).not.toBe(first.integrity)
  const mismatch = await run(['features', 'install', '--frozen'], mirrorEnv)
  expect(mismatch.exitCode).toBe(1)
  expect(mismatch.stderr).toContain('error PLUGIN_INTEGRITY_MISMATCH')
  expect(mismatch.stderr).toContain(`the lock recorded ${first.integrity}`)
  expect(await readFile(join(team, '.github', 'runner-features.lock'), 'utf8')).toBe(lockText)
}, 360_000)
