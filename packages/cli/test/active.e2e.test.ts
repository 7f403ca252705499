import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { demoSandbox, type DemoSandbox, type Sandbox } from './helpers.js'

// which / current / exec: what is active and from where, and running another installed version
// for one command without relinking.
let demo: DemoSandbox
let b: Sandbox
beforeAll(async () => {
  demo = await demoSandbox()
  b = demo.box
  for (const v of ['1.5.0', '1.6.0']) expect((await b.runner(['features', 'install', `terraform@${v}`])).exitCode).toBe(0)
})
afterAll(async () => {
  await demo?.close()
})

test('which names the file a bin runs and its feature version; an unknown bin is NOT_INSTALLED', async () => {
  const res = await b.runner(['features', 'which', 'terraform', '--json'])
  expect(res.exitCode, res.all).toBe(0)
  expect(JSON.parse(res.stdout)).toEqual({
    schemaVersion: 1, bin: 'terraform', link: join(b.binDir, 'terraform'), path: join(b.toolCache, 'terraform', '1.6.0', 'x64', 'terraform'), id: 'terraform', version: '1.6.0', arch: 'x64',
  })
  const text = await b.runner(['features', 'which', 'terraform'])
  expect(text.stdout).toContain('terraform@1.6.0 (x64), linked as')
  const none = await b.runner(['features', 'which', 'kubectl'])
  expect(none.exitCode).toBe(1)
  expect(none.stderr).toContain(`error NOT_INSTALLED: ${join(b.binDir, 'kubectl')}: no kubectl is linked`)
})

test('current shows the linked version and the others installed', async () => {
  const res = await b.runner(['features', 'current', '--json'])
  expect(res.exitCode, res.all).toBe(0)
  expect(JSON.parse(res.stdout).features).toEqual([expect.objectContaining({ id: 'terraform', version: '1.6.0', installed: ['1.6.0', '1.5.0'] })])
  expect((await b.runner(['features', 'current'])).stdout).toMatch(/terraform\s+1\.6\.0\s+\S+\s+1\.5\.0/)
})

test('exec runs another installed version for one command, links untouched, its exit status passed on', async () => {
  const res = await b.runner(['features', 'exec', 'terraform@1.5', '--', 'terraform', 'version'])
  expect(res.exitCode, res.all).toBe(0)
  expect(res.stdout).toContain('Terraform v1.5.0')
  expect(JSON.parse((await b.runner(['features', 'which', 'terraform', '--json'])).stdout).version).toBe('1.6.0')
  expect((await b.runner(['features', 'exec', 'terraform@1.5', '--', 'sh', '-c', 'exit 7'])).exitCode).toBe(7)
  const missing = await b.runner(['features', 'exec', 'terraform@1.4', '--', 'terraform', 'version'])
  expect(missing.exitCode).toBe(1)
  expect(missing.stderr).toContain('error NOT_INSTALLED: terraform@1.4 (argument)')
  expect(missing.stderr).toContain('runner features install terraform@1.4')
})
