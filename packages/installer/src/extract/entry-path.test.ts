import { describe, expect, test } from 'vitest'
import { stripPath, unsafeNameReason, unsafeSymlinkReason } from './entry-path.js'

describe('unsafeNameReason', () => {
  test.each([
    ['node-v24/bin/node', undefined],
    ['./package/bin/node', undefined],
    ['a/b..c/..d', undefined],
    ['dir/', undefined],
    ['../evil', /"\.\." segment/],
    ['a/../../evil', /"\.\." segment/],
    ['a/..', /"\.\." segment/],
    ['a\\..\\..\\evil', /"\.\." segment/],
    ['/etc/evil', /absolute/],
    ['\\evil', /absolute/],
    ['C:/Windows/evil', /drive letter/],
    ['c:evil', /drive letter/],
    ['a\0b', /NUL/],
  ])('%j → %s', (name, reason) => {
    const got = unsafeNameReason(name)
    if (reason === undefined) expect(got).toBeUndefined()
    else expect(got).toMatch(reason)
  })
})

describe('stripPath', () => {
  test.each([
    ['node-v24.21.0-linux-x64/bin/node', 1, 'bin/node'],
    ['node-v24.21.0-linux-x64/', 1, null],
    ['node-v24.21.0-linux-x64', 1, null],
    ['README', 1, null],
    ['terraform', 0, 'terraform'],
    ['a//b///c', 1, 'b/c'],
    ['dir/sub/', 0, 'dir/sub'],
    // Like GNU tar --strip-components: the leading "./" is a component.
    ['./package/bin/x', 1, 'package/bin/x'],
    ['./package/bin/x', 2, 'bin/x'],
    ['pkg/./bin/x', 1, 'bin/x'],
    ['pkg/.', 1, null],
    ['', 0, null],
  ])('%j strip %i → %j', (name, strip, want) => {
    expect(stripPath(name, strip)).toBe(want)
  })
})

describe('unsafeSymlinkReason', () => {
  test.each([
    ['bin/npm', '../lib/node_modules/npm/bin/npm-cli.js', undefined],
    ['bin/python3', 'python3.12', undefined],
    ['lib/libz.so', './libz.so.1', undefined],
    ['a/b/up', '../..', undefined],
    ['a/here', '.', undefined],
    ['passwd', '/etc/passwd', /absolute/],
    ['passwd', 'C:\\Windows', /absolute/],
    ['up', '..', /outside/],
    ['up', '../..', /outside/],
    ['a/up', '../../x', /outside/],
    ['a/b/c', '../../../x', /outside/],
    ['e', 'd/up/..', /after a directory name/],
    ['e', 'a/../b', /after a directory name/],
    ['empty', '', /empty/],
  ])('%s -> %j: %s', (link, target, reason) => {
    const got = unsafeSymlinkReason(link, target)
    if (reason === undefined) expect(got).toBeUndefined()
    else expect(got).toMatch(reason)
  })
})
