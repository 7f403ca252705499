import { expect, test } from 'vitest'
import { addMirrorFile, type MirrorFile } from './mirror-build.js'

const file = (url: string, path: string, sha256: string, kind: MirrorFile['kind'] = 'checksums'): MirrorFile => ({ url, path, sha256, size: 1, kind })
const LISTING = 'api.adoptium.net/v3/assets/version/[1.0,100.0]'
const query = (arch: string) => `https://api.adoptium.net/v3/assets/version/%5B1.0,100.0%5D?os=linux&architecture=${arch}&page=0`

test('URLs that a static server maps to one file are listed once: the one written last, which is on disk', () => {
  const files = new Map<string, MirrorFile>()
  addMirrorFile(files, file('https://nodejs.org/dist/v20.0.0/SHASUMS256.txt', 'nodejs.org/dist/v20.0.0/SHASUMS256.txt', 'n'))
  addMirrorFile(files, file(query('x64'), LISTING, 'x'))
  addMirrorFile(files, file(query('aarch64'), LISTING, 'a'))
  expect([...files.values()].map((f) => [f.path, f.sha256])).toEqual([['nodejs.org/dist/v20.0.0/SHASUMS256.txt', 'n'], [LISTING, 'a']])
  // The trimmed index written over it replaces both.
  addMirrorFile(files, file(query('x64'), LISTING, 'i', 'index'))
  expect([...files.values()].filter((f) => f.path === LISTING)).toEqual([file(query('x64'), LISTING, 'i', 'index')])
  // The same URL again replaces its own entry.
  addMirrorFile(files, file(query('x64'), LISTING, 'j', 'index'))
  expect(files.size).toBe(2)
})
