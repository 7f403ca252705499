import { describe, expect, test } from 'vitest'
import { DEFAULT_ARCHIVE_LIMITS, archiveLimits, formatBytes, parseByteSize, parseCount } from './archive-limits.js'

describe('sizes and counts as people write them', () => {
  test.each([
    ['8G', 8 * 1024 ** 3], ['8g', 8 * 1024 ** 3], ['8GiB', 8 * 1024 ** 3], ['8 GB', 8 * 1024 ** 3], ['512M', 512 * 1024 ** 2],
    ['1.5G', 1.5 * 1024 ** 3], ['64k', 65536], ['1048576', 1048576], [4096, 4096],
  ])('size %s', (text, bytes) => expect(parseByteSize(text)).toBe(bytes))
  test.each(['', 'lots', '-1G', '0', '8X', '1e9', 0, -5, 1.5])('not a size: %s', (text) => expect(parseByteSize(text)).toBeUndefined())
  test.each([['200000', 200000], ['200k', 200000], ['1.5m', 1500000], [70000, 70000]])('count %s', (text, n) => expect(parseCount(text)).toBe(n))
  test.each(['many', '0', '-3', '5G'])('not a count: %s', (text) => expect(parseCount(text)).toBeUndefined())
  test('formatBytes', () => {
    expect(formatBytes(8 * 1024 ** 3)).toBe('8 GiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(10)).toBe('10 B')
  })
})

describe('archiveLimits: env over team config over defaults', () => {
  test('defaults', () => expect(archiveLimits({})).toEqual(DEFAULT_ARCHIVE_LIMITS))
  test('config raises, env wins over config', () => {
    const limits = archiveLimits({ RUNNER_FEATURES_MAX_ARCHIVE_ENTRIES: '300k' }, { maxExpandedSize: '16G', maxEntries: 250000, maxExpansionRatio: 500 })
    expect(limits).toEqual({ maxExpandedBytes: 16 * 1024 ** 3, maxEntries: 300000, maxExpansionRatio: 500 })
  })
  test('an empty variable counts as unset', () => expect(archiveLimits({ RUNNER_FEATURES_MAX_EXPANDED_BYTES: '' }).maxExpandedBytes).toBe(DEFAULT_ARCHIVE_LIMITS.maxExpandedBytes))
  test('a typo is an error naming the variable, never the default', () => {
    expect(() => archiveLimits({ RUNNER_FEATURES_MAX_EXPANDED_BYTES: '16 gigs' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', where: 'RUNNER_FEATURES_MAX_EXPANDED_BYTES', hint: expect.stringContaining('16G') }))
    expect(() => archiveLimits({}, { maxEntries: 'all' }, '.github/runner-config.yml:3:3 limits')).toThrow(expect.objectContaining({ where: '.github/runner-config.yml:3:3 limits.maxEntries' }))
  })
})
