import { readFileSync } from 'node:fs'
import { describe, expect, it, test } from 'vitest'
import { compareReleaseVersions, mergeHashicorpIndex, releaseEntry, type HashicorpIndex } from '../fixtures/hashicorp-index.ts'

const real = JSON.parse(readFileSync(new URL('../fixtures/index.json', import.meta.url), 'utf8')) as HashicorpIndex
const linux = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
]

describe('releaseEntry', () => {
  it('has the real entry shape, keys in the real order', () => {
    const realEntry = real.versions['0.12.0']!
    const built = releaseEntry('terraform', '1.5.0', linux)
    expect(Object.keys(built)).toEqual(Object.keys(realEntry))
    expect(Object.keys(built.builds[0]!)).toEqual(Object.keys(realEntry.builds[0]!))
    expect(built.shasums_signatures).toEqual(realEntry.shasums_signatures.map((s) => s.replace('0.12.0', '1.5.0')))
  })

  it('points builds at the absolute upstream URLs', () => {
    expect(releaseEntry('terraform', '1.5.0', linux).builds).toEqual([
      { arch: 'amd64', filename: 'terraform_1.5.0_linux_amd64.zip', name: 'terraform', os: 'linux', url: 'https://releases.hashicorp.com/terraform/1.5.0/terraform_1.5.0_linux_amd64.zip', version: '1.5.0' },
      { arch: 'arm64', filename: 'terraform_1.5.0_linux_arm64.zip', name: 'terraform', os: 'linux', url: 'https://releases.hashicorp.com/terraform/1.5.0/terraform_1.5.0_linux_arm64.zip', version: '1.5.0' },
    ])
  })
})

test.each([
  ['0.12.0-rc1', '0.12.0', -1],
  ['0.12.0-beta2', '0.12.0-rc1', -1],
  ['1.10.0', '1.9.9', 1],
  ['1.5.0', '1.5.0', 0],
])('compareReleaseVersions(%s, %s) has sign %i', (a, b, sign) => {
  expect(Math.sign(compareReleaseVersions(a, b))).toBe(sign)
})

describe('mergeHashicorpIndex', () => {
  it('keeps the real releases untouched and adds the built ones in version order', () => {
    const merged = mergeHashicorpIndex(real, [releaseEntry('terraform', '1.6.0', linux), releaseEntry('terraform', '1.5.0', linux)])
    expect(Object.keys(merged.versions)).toEqual(['0.11.13', '0.12.0', '0.12.3-beta1', '1.5.0', '1.6.0'])
    expect(merged.versions['0.12.0']).toEqual(real.versions['0.12.0'])
    expect(merged.name).toBe('terraform')
  })
})
