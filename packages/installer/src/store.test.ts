import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Artifact } from '@runner-features/core'
import type { FetchAllResult } from './fetch-all.js'
import { addToStore, linkFromStore, storeKey, type StoreInput } from './store.js'

const artifact: Artifact = { url: 'https://example.test/tool-1.0.tar.gz', sha256: 'ab'.repeat(32), checksumSource: 'SHASUMS', archive: 'tar.gz', strip: 1 }
const input: StoreInput = { artifacts: [artifact], bins: ['bin/tool'], links: [{ path: 'bin/alias', target: 'tool' }] }
const fetched: FetchAllResult = { artifacts: [{ url: artifact.url, sha256: artifact.sha256, size: 1234 }], size: 1234, fromCache: false, files: 3 }

let root: string
let cacheDir: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rf-store-'))
  cacheDir = join(root, 'cache')
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

/** A finished staging tree, as an install leaves it before its rename. */
function staging(name: string): string {
  const dir = join(root, name)
  mkdirSync(join(dir, 'bin'), { recursive: true })
  mkdirSync(join(dir, 'lib', 'deep'), { recursive: true })
  writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\necho tool 1.0\n', { mode: 0o755 })
  writeFileSync(join(dir, 'lib', 'deep', 'data.txt'), 'payload')
  symlinkSync('tool', join(dir, 'bin', 'alias'))
  return dir
}
const emptyDir = (name: string): string => {
  const dir = join(root, name)
  mkdirSync(dir)
  return dir
}
const warnings: string[] = []
const logger = { warn: (m: string) => void warnings.push(m) }

describe('store of extracted trees', () => {
  it('misses when nothing was stored, and links the same tree into a second install once stored', () => {
    expect(linkFromStore(cacheDir, input, emptyDir('first'), logger)).toBeUndefined()
    addToStore(cacheDir, input, staging('staged'), fetched)

    const dest = emptyDir('second')
    const result = linkFromStore(cacheDir, input, dest, logger)
    expect(result).toEqual({ artifacts: [{ url: artifact.url, sha256: artifact.sha256, size: 1234 }], size: 1234, fromCache: true, files: 3 })
    expect(readFileSync(join(dest, 'lib', 'deep', 'data.txt'), 'utf8')).toBe('payload')
    expect(readlinkSync(join(dest, 'bin', 'alias'))).toBe('tool')
    // Executable stays executable; nothing in the store (nor a hard-linked install) is writable.
    expect(lstatSync(join(dest, 'bin', 'tool')).mode & 0o777).toBe(0o555)
    expect(lstatSync(join(dest, 'lib', 'deep', 'data.txt')).mode & 0o222).toBe(0)
  })

  it('keys on every input the tree depends on: another sha256, strip, bin or link is a miss', () => {
    addToStore(cacheDir, input, staging('staged'), fetched)
    const variants: StoreInput[] = [
      { ...input, artifacts: [{ ...artifact, sha256: 'cd'.repeat(32) }] },
      { ...input, artifacts: [{ ...artifact, strip: 0 }] },
      { ...input, bins: ['bin/other'] },
      { ...input, links: [] },
    ]
    for (const v of variants) {
      expect(storeKey(v)).not.toBe(storeKey(input))
      expect(linkFromStore(cacheDir, v, emptyDir(`v-${storeKey(v).slice(0, 8)}`), logger)).toBeUndefined()
    }
  })

  it('drops an entry whose file was written to since it was stored, and leaves the install dir empty', () => {
    addToStore(cacheDir, input, staging('staged'), fetched)
    const storedFile = join(cacheDir, 'store', 'v1', storeKey(input), 'tree', 'lib', 'deep', 'data.txt')
    // A root-like writer: makes it writable and changes its content (same size).
    chmodSync(storedFile, 0o644)
    writeFileSync(storedFile, 'PAYLOAD')
    chmodSync(storedFile, 0o444)

    const dest = emptyDir('second')
    warnings.length = 0
    expect(linkFromStore(cacheDir, input, dest, logger)).toBeUndefined()
    expect(readdirSync(dest)).toEqual([])
    expect(warnings.join('\n')).toMatch(/lib\/deep\/data\.txt changed since it was stored/)
    expect(readdirSync(join(cacheDir, 'store', 'v1'))).toEqual([])
    // The next install stores it again from its own (verified) extraction.
    addToStore(cacheDir, input, staging('restaged'), fetched)
    expect(linkFromStore(cacheDir, input, emptyDir('third'), logger)).toBeDefined()
  })

  it('drops an entry whose file was removed or whose manifest is damaged', () => {
    addToStore(cacheDir, input, staging('staged'), fetched)
    const entry = join(cacheDir, 'store', 'v1', storeKey(input))
    rmSync(join(entry, 'tree', 'bin', 'tool'))
    expect(linkFromStore(cacheDir, input, emptyDir('a'), logger)).toBeUndefined()

    addToStore(cacheDir, input, staging('staged2'), fetched)
    chmodSync(join(entry, 'manifest.json'), 0o644)
    writeFileSync(join(entry, 'manifest.json'), '{"version":1,')
    expect(linkFromStore(cacheDir, input, emptyDir('b'), logger)).toBeUndefined()
    expect(readdirSync(join(cacheDir, 'store', 'v1'))).toEqual([])
  })

  it('keeps the first entry when two installs store the same tree, and never fails an install it cannot store', () => {
    addToStore(cacheDir, input, staging('one'), fetched)
    const manifest = readFileSync(join(cacheDir, 'store', 'v1', storeKey(input), 'manifest.json'), 'utf8')
    addToStore(cacheDir, input, staging('two'), fetched)
    expect(readFileSync(join(cacheDir, 'store', 'v1', storeKey(input), 'manifest.json'), 'utf8')).toBe(manifest)
    expect(readdirSync(join(cacheDir, 'store', 'tmp'))).toEqual([])

    // A cache dir that is a file: nothing can be stored, and nothing throws.
    writeFileSync(join(root, 'not-a-dir'), '')
    expect(() => addToStore(join(root, 'not-a-dir'), input, staging('three'), fetched)).not.toThrow()
  })
})
