import { expect, test } from 'vitest'
import { lockedArtifacts, lockedPlatform, parseLockfile, stringifyLockfile, type LockedArtifact, type Lockfile } from './lockfile.js'

// Locks of features made of several archives (cuda: one per redist component).
const UP = 'https://developer.download.nvidia.com/compute/cuda/redist/'
const nvcc: LockedArtifact = { url: `${UP}cuda_nvcc/linux-x86_64/cuda_nvcc-linux-x86_64-12.4.131-archive.tar.xz`, sha256: 'a'.repeat(64), size: 51184484, archive: 'tar.xz', strip: 1, checksumSource: `${UP}redistrib_12.4.1.json` }
const cudart: LockedArtifact = { ...nvcc, url: `${UP}cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz`, sha256: 'b'.repeat(64), size: 1099680 }
const lock = (platforms: Lockfile['features'][string]['platforms']): Lockfile => ({
  lockfileVersion: 1,
  features: { cuda: { version: '12.4.1', requested: [{ spec: '12.4', source: '.github/runner-config.yml:3' }], plugin: { name: '@runner-features/cuda', version: '0.1.0' }, options: { components: ['cuda_nvcc', 'cuda_cudart'] }, dependsOn: [], platforms } },
})

test('several artifacts are written as a list in extraction order and read back unchanged', () => {
  const text = stringifyLockfile(lock({ 'linux-x64': lockedPlatform([nvcc, cudart]) }))
  expect(text).toContain(`      linux-x64:\n        - archive: tar.xz\n          checksumSource: ${UP}redistrib_12.4.1.json\n          sha256: ${'a'.repeat(64)}`)
  const back = parseLockfile(text, 'runner-features.lock')
  expect(lockedArtifacts(back.features.cuda!.platforms['linux-x64']!).map((a) => a.url)).toEqual([nvcc.url, cudart.url])
})

test('one artifact stays a plain object, so locks written before multi-artifact features are unchanged', () => {
  expect(lockedPlatform([nvcc])).toEqual(nvcc)
  const text = stringifyLockfile(lock({ 'linux-x64': lockedPlatform([nvcc]) }))
  expect(text).toContain(`      linux-x64:\n        archive: tar.xz\n`)
  expect(lockedArtifacts(parseLockfile(text, 'x').features.cuda!.platforms['linux-x64']!)).toEqual([nvcc])
})

test.each([
  ['an empty list', []],
  ['a one-element list (must be written as an object)', [nvcc]],
  ['a list entry without sha256', [nvcc, { ...cudart, sha256: undefined }]],
  ['a list entry with a bad sha256', [nvcc, { ...cudart, sha256: 'not-hex' }]],
])('%s is LOCKFILE_INVALID', (_, entry) => {
  const text = stringifyLockfile(lock({ 'linux-x64': entry as never }))
  expect(() => parseLockfile(text, 'runner-features.lock')).toThrow(expect.objectContaining({ code: 'LOCKFILE_INVALID', where: 'runner-features.lock' }))
})
