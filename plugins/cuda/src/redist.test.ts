import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { DEFAULT_COMPONENTS, REDIST_PLATFORM, componentNames, cudaOptionsSchema, parseCudaOptions, redistArchiveSchema, redistManifestSchema, selectArtifacts, versionsFromIndex } from './redist.js'

const UP = 'https://developer.download.nvidia.com/compute/cuda/redist/'
const manifestUrl = `${UP}redistrib_12.4.1.json`
const real = JSON.parse(readFileSync(new URL('../fixtures/redistrib_12.4.1.json', import.meta.url), 'utf8')) as Record<string, unknown>
const ctx = { upstream: UP, manifestUrl, version: '12.4.1' }

describe('redistrib JSON schema', () => {
  test('the real 12.4.1 manifest parses, release fields kept', () => {
    const parsed = redistManifestSchema.parse(real)
    expect(parsed).toMatchObject({ release_date: '2024-04-03', release_label: '12.4.1', release_product: 'cuda' })
    expect(componentNames(parsed)).toEqual(['cuda_cccl', 'cuda_compat', 'cuda_cudart', 'cuda_nvcc', 'cuda_nvrtc', 'cuda_opencl', 'libcublas', 'nvidia_driver'])
  })

  test.each([
    ['size as NVIDIA publishes it (a string)', { relative_path: 'a/b.tar.xz', sha256: 'A'.repeat(64), size: '51184484' }, 51184484],
    ['size as a number', { relative_path: 'a/b.tar.xz', sha256: 'a'.repeat(64), size: 7 }, 7],
    ['no size', { relative_path: 'a/b.tar.xz', sha256: 'a'.repeat(64) }, undefined],
  ])('archive entry: %s', (_, entry, size) => {
    expect(redistArchiveSchema.parse(entry).size).toBe(size)
  })

  test.each([
    ['a short sha256', { relative_path: 'a/b.tar.xz', sha256: 'abc', size: '1' }],
    ['no sha256 (md5 only)', { relative_path: 'a/b.tar.xz', md5: '0'.repeat(32), size: '1' }],
    ['a size that is not a number', { relative_path: 'a/b.tar.xz', sha256: 'a'.repeat(64), size: '12 MB' }],
    ['no relative_path', { sha256: 'a'.repeat(64) }],
  ])('archive entry with %s is rejected', (_, entry) => {
    expect(redistArchiveSchema.safeParse(entry).success).toBe(false)
  })

  test('a manifest without the release fields is rejected', () => {
    expect(redistManifestSchema.safeParse({ cuda_nvcc: real.cuda_nvcc }).success).toBe(false)
  })
})

describe('versions from the HTML index', () => {
  test('the index fixture: every redistrib_<V>.json link, nothing else', () => {
    const html = readFileSync(new URL('../fixtures/index.html', import.meta.url), 'utf8')
    expect(versionsFromIndex(html).map((v) => v.version)).toEqual(['11.8.0', '12.4.0', '12.4.1', '12.6.3'])
  })

  test.each([
    ['single quotes', `<a href='redistrib_12.4.1.json'>x</a>`, ['12.4.1']],
    ['double quotes (nginx/Apache autoindex on a mirror)', `<a href="redistrib_12.4.1.json">redistrib_12.4.1.json</a>`, ['12.4.1']],
    ['a ./ prefix', `<a href="./redistrib_13.0.0.json">x</a>`, ['13.0.0']],
    ['duplicates kept once', `<a href='redistrib_12.4.1.json'>a</a><a href='redistrib_12.4.1.json'>b</a>`, ['12.4.1']],
    ['signatures, other names and two-part versions ignored', `<a href='redistrib_12.4.1.json.asc'>s</a><a href='redistrib_v2_12.5.0.json'>v</a><a href='redistrib_12.4.json'>t</a><a href='cuda_nvcc/'>d</a>`, []],
    ['a link text alone does not count', `<li>redistrib_12.4.1.json</li>`, []],
  ])('%s', (_, html, want) => {
    expect(versionsFromIndex(html).map((v) => v.version)).toEqual(want)
  })
})

describe('platform mapping', () => {
  test.each([
    ['x64', 'linux-x86_64'],
    ['arm64', 'linux-sbsa'],
  ] as const)('%s → %s', (arch, key) => {
    expect(REDIST_PLATFORM[arch]).toBe(key)
    const [nvcc] = selectArtifacts(real, ['cuda_nvcc'], arch, ctx)
    expect(nvcc!.url).toBe(`${UP}cuda_nvcc/${key}/cuda_nvcc-${key}-12.4.131-archive.tar.xz`)
  })
})

describe('component selection', () => {
  test('the default set, in order, with the manifest sha256 and size, one top dir stripped', () => {
    const list = selectArtifacts(real, parseCudaOptions({}, '12.4.1').components, 'x64', ctx)
    expect(list.map((a) => a.url.slice(UP.length))).toEqual([
      'cuda_nvcc/linux-x86_64/cuda_nvcc-linux-x86_64-12.4.131-archive.tar.xz',
      'cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz',
      'cuda_nvrtc/linux-x86_64/cuda_nvrtc-linux-x86_64-12.4.127-archive.tar.xz',
      'cuda_cccl/linux-x86_64/cuda_cccl-linux-x86_64-12.4.127-archive.tar.xz',
      'libcublas/linux-x86_64/libcublas-linux-x86_64-12.4.5.8-archive.tar.xz',
    ])
    expect(list[0]).toEqual({ url: expect.any(String), sha256: '7ffba1ada0e4b8c17e451ac7a60d386aa2642ecd08d71202a0b100c98bd74681', checksumSource: manifestUrl, size: 51184484, archive: 'tar.xz', strip: 1 })
    expect(list.map((a) => a.archive)).toEqual(Array(5).fill('tar.xz'))
  })

  test.each([
    [{}, [...DEFAULT_COMPONENTS]],
    [{ components: ['cuda_nvcc', 'cuda_cudart'] }, ['cuda_nvcc', 'cuda_cudart']],
    [{ components: ['cuda_nvcc', 'cuda_nvcc', 'cuda_cccl'] }, ['cuda_nvcc', 'cuda_cccl']],
  ])('options %j → components %j', (options, want) => {
    expect(cudaOptionsSchema.parse(options).components).toEqual(want)
  })

  test.each([
    [{ components: [] }, /components: /],
    [{ components: ['CUDA NVCC'] }, /components\.0: a redist component name/],
    [{ components: 'cuda_nvcc' }, /components: /],
    [{ component: ['cuda_nvcc'] }, /Unrecognized key/],
  ])('invalid options %j are INVALID_OPTIONS', (options, message) => {
    expect(() => parseCudaOptions(options, '12.4.1')).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(message), where: 'cuda@12.4.1 options' }))
  })

  test('a component the release does not have: INVALID_OPTIONS listing what it has', () => {
    let err: unknown
    try {
      selectArtifacts(real, ['cuda_nvcc', 'libcudnn'], 'x64', ctx)
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({
      code: 'INVALID_OPTIONS',
      message: 'CUDA 12.4.1 has no component "libcudnn"',
      where: 'cuda@12.4.1 options.components',
      hint: expect.stringContaining(`${manifestUrl}: cuda_cccl, cuda_compat, cuda_cudart, cuda_nvcc`),
    })
  })

  test('a driver component is refused: the toolkit never brings a driver', () => {
    expect(() => selectArtifacts(real, ['nvidia_driver'], 'x64', ctx)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('part of the NVIDIA driver') }))
  })

  test.each([
    ['cuda_opencl', 'arm64', 'linux-sbsa'],
    ['cuda_compat', 'x64', 'linux-x86_64'],
  ] as const)('%s on %s: UNSUPPORTED_PLATFORM (no %s archive)', (component, arch, key) => {
    expect(() => selectArtifacts(real, [component], arch, ctx)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PLATFORM', message: expect.stringContaining(`has no ${key} archive`) }))
  })

  test.each([
    ['a parent-dir escape', '../../../etc/passwd.tar.xz'],
    ['an absolute URL', 'https://evil.example/cuda_nvcc.tar.xz'],
    ['an absolute path', '/cuda_nvcc.tar.xz'],
    ['a zip', 'cuda_nvcc/windows-x86_64/cuda_nvcc.zip'],
    ['a dot segment', 'cuda_nvcc/./cuda_nvcc.tar.xz'],
  ])('a relative_path with %s is UPSTREAM_FORMAT, not fetched', (_, path) => {
    const forged = { ...real, cuda_nvcc: { ...(real.cuda_nvcc as object), 'linux-x86_64': { relative_path: path, sha256: 'a'.repeat(64), size: '1' } } }
    expect(() => selectArtifacts(forged, ['cuda_nvcc'], 'x64', ctx)).toThrow(expect.objectContaining({ code: 'UPSTREAM_FORMAT', where: manifestUrl }))
  })

  test('an entry without a sha256 is UPSTREAM_FORMAT (checksums are mandatory)', () => {
    const forged = { ...real, cuda_nvcc: { ...(real.cuda_nvcc as object), 'linux-x86_64': { relative_path: 'cuda_nvcc/x.tar.xz', md5: '0'.repeat(32), size: '1' } } }
    expect(() => selectArtifacts(forged, ['cuda_nvcc'], 'x64', ctx)).toThrow(expect.objectContaining({ code: 'UPSTREAM_FORMAT', message: expect.stringContaining('sha256') }))
  })
})
