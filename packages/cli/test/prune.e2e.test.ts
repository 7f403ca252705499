import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { demoSandbox, type DemoSandbox, type Sandbox } from './helpers.js'

// prune removes the versions neither the config nor the lock references; the linked one stays.
let demo: DemoSandbox
let b: Sandbox
beforeAll(async () => {
  demo = await demoSandbox()
  b = demo.box
  for (const v of ['1.5.0', '1.5.7', '1.6.0']) expect((await b.runner(['features', 'install', `terraform@${v}`])).exitCode).toBe(0)
})
afterAll(async () => {
  await demo?.close()
})

const installed = async () => JSON.parse((await b.runner(['features', 'list', '--json'])).stdout).installed.map((r: { version: string }) => r.version).sort()

test('without a team config prune is CONFIG_NOT_FOUND and removes nothing', async () => {
  const res = await b.runner(['features', 'prune'], { cwd: b.dir })
  expect(res.exitCode).toBe(1)
  expect(res.stderr).toContain('error CONFIG_NOT_FOUND')
  expect(await installed()).toEqual(['1.5.0', '1.5.7', '1.6.0'])
})

test('--dry-run lists, prune removes: the config keeps the newest version its spec accepts, the linked one stays', async () => {
  const repo = join(b.dir, 'repo')
  await mkdir(join(repo, '.github'), { recursive: true })
  await writeFile(join(repo, '.github', 'runner-config.yml'), 'tools:\n  - terraform@~1.5\n')
  const dry = await b.runner(['features', 'prune', '--dry-run', '--json'], { cwd: repo })
  expect(dry.exitCode, dry.all).toBe(0)
  const plan = JSON.parse(dry.stdout)
  expect(plan.removed.map((r: { version: string }) => r.version)).toEqual(['1.5.0'])
  expect(plan.kept.map((k: { version: string; reason: string }) => `${k.version} ${k.reason}`).sort()).toEqual(['1.5.7 config terraform@~1.5', '1.6.0 linked'])
  expect(await installed()).toEqual(['1.5.0', '1.5.7', '1.6.0'])

  const res = await b.runner(['features', 'prune'], { cwd: repo })
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('removed terraform 1.5.0 (x64)')
  expect(await installed()).toEqual(['1.5.7', '1.6.0'])
})
