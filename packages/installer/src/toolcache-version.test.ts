import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import semver from 'semver'
import { expect, test } from 'vitest'
import { toolCacheEntry } from './toolcache.js'

// setup-java's findInToolcache reads a directory name back by turning its first `-` into `+`
// (src/distributions/base-installer.ts), then matches with semver.
const setupJavaReadsBack = (dir: string) => dir.replace('-', '+')

test.each([
  ['17.0.15+6', '17.0.15-6'],
  ['21.0.5+11.0.LTS', '21.0.5-11.0.LTS'],
  ['21.0.12+101.0.LTS', '21.0.12-101.0.LTS'],
  ['8.0.302+8', '8.0.302-8'],
])('Temurin %s is written as setup-java writes it, %s, and reads back to the same version', (version, dir) => {
  const entry = toolCacheEntry('/opt/hostedtoolcache', 'Java_Temurin-Hotspot_jdk', version, 'x64')
  expect(entry.installDir).toBe(`/opt/hostedtoolcache/Java_Temurin-Hotspot_jdk/${dir}/x64`)
  expect(entry.marker).toBe(`/opt/hostedtoolcache/Java_Temurin-Hotspot_jdk/${dir}/x64.complete`)
  expect(setupJavaReadsBack(dir)).toBe(version)
  expect(semver.satisfies(setupJavaReadsBack(dir), `^${version.split('.')[0]}`)).toBe(true)
})

test.each(['20.11.1', '1.22.0', '1.21.0-rc.2', '3.12.7'])('a version without build metadata (%s) is its own directory name', (version) => {
  expect(toolCacheEntry('/tc', 'x', version, 'arm64').versionDir).toBe(`/tc/x/${version}`)
})

test('@actions/tool-cache lists the directory as an installed version (findAllVersions, which setup-java uses)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'rf-tc-'))
  const saved = process.env.RUNNER_TOOL_CACHE
  try {
    const entry = toolCacheEntry(root, 'Java_Temurin-Hotspot_jdk', '17.0.15+6', 'x64')
    await mkdir(entry.installDir, { recursive: true })
    await writeFile(entry.marker, '')
    process.env.RUNNER_TOOL_CACHE = root
    const tc = await import('@actions/tool-cache')
    expect(tc.findAllVersions('Java_Temurin-Hotspot_jdk', 'x64')).toEqual(['17.0.15-6'])
  } finally {
    if (saved === undefined) delete process.env.RUNNER_TOOL_CACHE
    else process.env.RUNNER_TOOL_CACHE = saved
    await rm(root, { recursive: true, force: true })
  }
})
