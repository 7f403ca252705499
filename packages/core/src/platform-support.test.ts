import { expect, test } from 'vitest'
import { distroVersionSatisfies } from './platform-support.js'

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
