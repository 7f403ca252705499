import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, expect, test } from 'vitest'
import { defineFeature } from '../define-feature.js'
import { platformMatrixMarkdown } from '../matrix.js'
import { contractProblems } from './contract.js'
import { fakeContext } from './index.js'
import { pluginProblems } from './plugin-dir.js'

const pkg = {
  name: '@acme/runner-feature-tool',
  runner: { feature: {
    id: 'tool', description: 'a tool', toolName: 'tool', defaultVersion: 'latest', upstream: 'https://github.com/acme/tool/',
    platforms: [{ os: 'linux', arch: ['x64'], libc: ['glibc'] }], bins: ['tool'], smokeTest: { command: ['tool', '--version'], expect: 'tool {{version}}' },
    source: { type: 'github-release', repo: 'acme/tool', asset: 'tool-{arch}', checksums: { asset: 'SHA256SUMS' } },
  } },
}
const feature = defineFeature(pkg)
let dir: string | undefined
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function folder(files: Record<string, string>): Promise<URL> {
  dir = await mkdtemp(join(tmpdir(), 'rf-kit-test-'))
  for (const [name, body] of Object.entries({ 'package.json': JSON.stringify(pkg), ...files })) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await writeFile(join(dir, name), body)
  }
  return pathToFileURL(`${dir}/`)
}

test('a complete declarative folder keeps the contract', async () => {
  const root = await folder({ 'README.md': `# tool\n\n${platformMatrixMarkdown(feature)}\n`, 'CHANGELOG.md': '# tool\n', 'fixtures/README.md': 'from…', 'fixtures/releases.json': '[]' })
  expect(pluginProblems(root, feature)).toEqual([])
})

test('each missing part of the folder is named', async () => {
  const root = await folder({ 'README.md': '# tool (no matrix)\n', 'fixtures/releases.json': '[]' })
  expect(pluginProblems(root, feature)).toEqual([
    'README.md does not show the generated platform matrix (platformMatrixMarkdown)',
    'CHANGELOG.md is missing',
    'fixtures/README.md must say where each fixture comes from',
  ])
})

test('code that states platforms of its own breaks the contract (they are stated once, in package.json)', () => {
  const drifted = { ...feature, platforms: [{ os: 'linux' as const, arch: ['x64' as const, 'arm64' as const], libc: ['glibc' as const] }] }
  expect(contractProblems(drifted, pkg)).toContain('the code states platforms of its own; state them once, in runner.feature.platforms')
})

test('fakeContext answers only the URLs it was given, recording each, and throws on anything else', async () => {
  const ctx = fakeContext({ 'https://a/x': 'ok' })
  await expect(ctx.http.text('https://a/x')).resolves.toBe('ok')
  await expect(ctx.http.text('https://a/y')).rejects.toThrow('unexpected request: https://a/y')
  expect(ctx.requests).toEqual(['https://a/x', 'https://a/y'])
})
