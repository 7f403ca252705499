import { expect, test } from 'vitest'
import { parseLockfile } from '@runner-features/core/config'
import { parsePlatformKey, parsePlatforms } from './project.js'

test.each([
  ['linux-x64', { os: 'linux', arch: 'x64', libc: 'glibc' }],
  ['linux-arm64-musl', { os: 'linux', arch: 'arm64', libc: 'musl' }],
  // Windows keys have no libc suffix; the platform carries glibc only so its key stays `windows-x64`.
  ['windows-x64', { os: 'windows', arch: 'x64', libc: 'glibc' }],
  ['windows-arm64', { os: 'windows', arch: 'arm64', libc: 'glibc' }],
])('%s is the target %o', (key, target) => {
  expect(parsePlatformKey(key)).toEqual(target)
})

test.each(['windows-x64-musl', 'win-x64', 'darwin-arm64', 'linux-x86'])('%s is INVALID_ARGUMENT naming the keys', (key) => {
  expect(() => parsePlatformKey(key)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', where: '--platform', hint: expect.stringContaining('windows-x64, windows-arm64') }))
})

test('all is every key, Windows included; a list keeps display order', () => {
  expect(parsePlatforms('all')).toEqual(['linux-x64', 'linux-arm64', 'linux-x64-musl', 'linux-arm64-musl', 'windows-x64', 'windows-arm64'])
  expect(parsePlatforms('windows-x64, linux-x64')).toEqual(['linux-x64', 'windows-x64'])
})

test('a lock may hold Windows keys', () => {
  const artifact = { url: 'https://nodejs.org/dist/v20.20.2/node-v20.20.2-win-x64.zip', sha256: 'a'.repeat(64), archive: 'zip', strip: 1 }
  const text = `lockfileVersion: 1\nfeatures:\n  nodejs:\n    version: 20.20.2\n    requested: []\n    plugin: { name: "@runner-features/nodejs", version: 0.1.0 }\n    options: {}\n    dependsOn: []\n    platforms:\n      windows-x64: ${JSON.stringify(artifact)}\n`
  expect(parseLockfile(text, 'runner-features.lock').features.nodejs!.platforms['windows-x64']).toEqual(artifact)
  expect(() => parseLockfile(text.replace('windows-x64:', 'windows-x64-musl:'), 'runner-features.lock')).toThrow(expect.objectContaining({ code: 'LOCKFILE_INVALID' }))
})
