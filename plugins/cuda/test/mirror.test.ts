import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { mirror as buildCudaMirror, type BuiltCudaMirror } from '../fixtures/mirror.ts'

let mirror: BuiltCudaMirror
beforeAll(async () => {
  mirror = await buildCudaMirror({ components: ['cuda_nvcc', 'cuda_cudart'] })
})

test('the manifest lists each built archive with its real sha256 and size (a string, as NVIDIA writes it)', async () => {
  const redist = join(mirror.root, mirror.redistPath)
  const manifest = JSON.parse(await readFile(join(redist, 'redistrib_12.4.1.json'), 'utf8'))
  expect(manifest).toMatchObject({ release_label: '12.4.1', release_product: 'cuda' })
  for (const [component, platform] of [['cuda_nvcc', 'linux-x86_64'], ['cuda_cudart', 'linux-sbsa']] as const) {
    const entry = manifest[component][platform]
    const bytes = await readFile(join(redist, entry.relative_path))
    expect(entry.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(entry.size).toBe(String(bytes.length))
  }
  // Components not built keep NVIDIA's values (and are not served).
  expect(manifest.libcublas['linux-x86_64'].sha256).toBe('c267c4d2cd42065ae2c30ca41a43ddce4e0ecc5484de23f299e3c397b5506eda')
  expect(await readFile(join(redist, 'index.html'), 'utf8')).toContain(`<a href='redistrib_12.4.1.json'>`)
})

test('archives are .tar.xz with the real one-top-dir naming, an nvcc stand-in and soname symlinks', () => {
  const file = join(mirror.root, mirror.archives['cuda_nvcc/linux-x86_64']!)
  const nvcc = execFileSync('tar', ['-tvJf', file], { encoding: 'utf8' })
  expect(nvcc).toMatch(/^-rwxr-xr-x .* cuda_nvcc-linux-x86_64-12\.4\.131-archive\/bin\/nvcc$/m)
  const cudart = execFileSync('tar', ['-tvJf', join(mirror.root, mirror.archives['cuda_cudart/linux-sbsa']!)], { encoding: 'utf8' })
  expect(cudart).toContain('cuda_cudart-linux-sbsa-12.4.127-archive/lib/libcudart.so.12 -> libcudart.so.12.4.127')
  const script = execFileSync('tar', ['-xOJf', file, 'cuda_nvcc-linux-x86_64-12.4.131-archive/bin/nvcc'], { encoding: 'utf8' })
  expect(script).toContain('Cuda compilation tools, release 12.4, V12.4.131')
})
