import { describe, expect, test } from 'vitest'
import type { FeatureManifest } from './feature.js'
import { windowsPlatform } from './platform.js'
import { platformMatrixMarkdown } from './platform-matrix.js'
import { assertSupported, binsFor, declaredBins, distroVersionSatisfies, smokeTestFor, supportsPlatform, supportsTarget } from './platform-support.js'

test.each([
  ['22.04', '>=20.04', true],
  ['20.04', '>=20.04', true],
  ['18.04', '>=20.04', false],
  ['9.4', '>=8', true],
  ['9.4', '>=8 <10', true],
  ['10.0', '>=8 <10', false],
  ['3.20.2', '>=3.18', true],
  ['3.9.6', '>=3.18', false],
  ['2023', '>=2023', true],
  ['9.4', '9', true],
  ['9.4', '=8', false],
  ['', '>=11', true],
  ['', '<14', false],
  ['12', 'banana', false],
] as const)('VERSION_ID %s against %s → %s', (v, range, ok) => {
  expect(distroVersionSatisfies(v, range)).toBe(ok)
})

describe('Windows entries', () => {
  const manifest = { id: 'tool', platforms: [{ os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc'] }, { os: 'windows', arch: ['x64'] }] } as Pick<FeatureManifest, 'id' | 'platforms'>
  const feature = { bins: ['bin/tool', 'bin/toolctl'], binsByOs: { linux: ['bin/tool', 'bin/toolctl'], windows: ['tool.exe', 'toolctl.cmd'] }, smokeTest: { command: ['bin/tool', '--version'], expect: 'tool {{version}}' } }

  test.each([
    [{ os: 'windows', arch: 'x64', libc: 'glibc' }, true],
    [{ os: 'windows', arch: 'arm64', libc: 'glibc' }, false],
    [{ os: 'linux', arch: 'arm64', libc: 'glibc' }, true],
    [{ os: 'linux', arch: 'x64', libc: 'musl' }, false],
  ] as const)('supportsTarget(%o) is %s', (target, expected) => {
    expect(supportsTarget(manifest, target)).toBe(expected)
  })

  test('a Windows machine is supported by the windows entry (no libc or distro to match)', () => {
    expect(supportsPlatform(manifest, windowsPlatform('x64', '10.0.20348'))).toBe(true)
    expect(() => assertSupported(manifest, windowsPlatform('arm64', '10.0.20348'), 'tool@1')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PLATFORM', hint: 'supported: linux-x64, linux-arm64 (glibc); windows-x64' }))
  })

  test('bins and the smoke test follow the OS: the Windows bin at the Linux one\'s position', () => {
    expect(binsFor(feature, 'linux')).toEqual(['bin/tool', 'bin/toolctl'])
    expect(binsFor(feature, 'windows')).toEqual(['tool.exe', 'toolctl.cmd'])
    expect(smokeTestFor(feature, 'windows')).toEqual({ command: ['tool.exe', '--version'], expect: 'tool {{version}}' })
    expect(smokeTestFor(feature, 'linux')).toEqual(feature.smokeTest)
    // One list for every OS: the same bins and test everywhere.
    expect(binsFor({ bins: ['tool'] }, 'windows')).toEqual(['tool'])
    expect(declaredBins({ linux: ['tool'] }, 'windows')).toEqual([])
    expect(declaredBins(['tool'], 'windows')).toEqual(['tool'])
  })

  test('the README matrix shows a windows row without libc or distros', () => {
    expect(platformMatrixMarkdown({ platforms: manifest.platforms }).split('\n').at(-1)).toBe('| windows | x64 | — | — |')
  })
})
