import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256File, type PluginMirror } from '@runner-features/fixture-mirror'
import type { HashicorpIndex } from '../fixtures/hashicorp-index.ts'
import { mirror as buildTerraformMirror, DEFAULT_TERRAFORM_VERSIONS } from '../fixtures/mirror.ts'

let mirror: PluginMirror
let scratch: string

beforeAll(async () => {
  mirror = await buildTerraformMirror()
  scratch = await mkdtemp(join(tmpdir(), 'rf-terraform-fixture-'))
})

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

describe('the terraform fixture mirror (default)', () => {
  it('builds 1.5.0, 1.5.7 and 1.6.0', () => {
    expect(mirror.versions).toEqual(DEFAULT_TERRAFORM_VERSIONS)
    expect(readdirSync(join(mirror.root, 'terraform', '1.5.0')).sort()).toEqual([
      'terraform_1.5.0_SHA256SUMS',
      // Signed with the fixture mirrors' test key under both names releases.hashicorp.com serves.
      'terraform_1.5.0_SHA256SUMS.72D7468F.sig',
      'terraform_1.5.0_SHA256SUMS.sig',
      'terraform_1.5.0_linux_amd64.zip',
      'terraform_1.5.0_linux_arm64.zip',
    ])
  })

  it('terraform_<V>_SHA256SUMS holds the real sha256 of both zips', async () => {
    for (const v of mirror.versions) {
      const dir = join(mirror.root, 'terraform', v)
      const lines = readFileSync(join(dir, `terraform_${v}_SHA256SUMS`), 'utf8').trimEnd().split('\n')
      expect(lines.map((l) => l.split('  ')[1])).toEqual([`terraform_${v}_linux_amd64.zip`, `terraform_${v}_linux_arm64.zip`])
      for (const line of lines) {
        const [hash, name] = line.split('  ')
        expect(await sha256File(join(dir, name!))).toBe(hash)
      }
    }
  })

  it('index.json is minified, keeps the real releases and lists the built ones with upstream URLs', () => {
    const text = readFileSync(join(mirror.root, 'terraform', 'index.json'), 'utf8')
    expect(text).not.toContain('\n')
    const index = JSON.parse(text) as HashicorpIndex
    expect(Object.keys(index.versions)).toEqual(['0.11.13', '0.12.0', '0.12.3-beta1', '1.5.0', '1.5.7', '1.6.0'])
    expect(index.versions['1.5.0']?.builds.map((b) => b.url)).toEqual([
      'https://releases.hashicorp.com/terraform/1.5.0/terraform_1.5.0_linux_amd64.zip',
      'https://releases.hashicorp.com/terraform/1.5.0/terraform_1.5.0_linux_arm64.zip',
    ])
  })

  it.each([
    ['amd64', 'linux_amd64'],
    ['arm64', 'linux_arm64'],
  ])('the %s zip holds one executable terraform that answers `terraform version`', (arch, platform) => {
    const zip = join(mirror.root, 'terraform', '1.5.0', `terraform_1.5.0_linux_${arch}.zip`)
    expect(execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' })).toBe('terraform\n')
    const dest = join(scratch, arch)
    execFileSync('unzip', ['-q', zip, '-d', dest])
    const bin = join(dest, 'terraform')
    expect(statSync(bin).mode & 0o777).toBe(0o755)
    expect(execFileSync(bin, ['version'], { encoding: 'utf8' })).toBe(`Terraform v1.5.0\non ${platform}\n`)
    expect(JSON.parse(execFileSync(bin, ['version', '-json'], { encoding: 'utf8' }))).toEqual({
      terraform_version: '1.5.0',
      platform,
      provider_selections: {},
      terraform_outdated: false,
    })
    const other = spawnSync(bin, ['plan'], { encoding: 'utf8' })
    expect(other.status).toBe(1)
    expect(other.stderr).toMatch(/only 'terraform version'/)
  })

  it('rebuilding is byte-identical (fixed zip times)', async () => {
    const again = await buildTerraformMirror({ versions: ['1.5.0'] })
    expect(again.root).not.toBe(mirror.root)
    const sums = (root: string) => readFileSync(join(root, 'terraform', '1.5.0', 'terraform_1.5.0_SHA256SUMS'), 'utf8')
    expect(sums(again.root)).toBe(sums(mirror.root))
  })

  it('refuses versions that are not exact', async () => {
    await expect(buildTerraformMirror({ versions: ['~1.5'] })).rejects.toThrow(/not an exact terraform version/)
  })
})

describe('the terraform fixture mirror (windows: true)', () => {
  it('adds terraform_<V>_windows_amd64.zip with terraform.exe at its root, in the index and the signed SHA256SUMS', async () => {
    const win = await buildTerraformMirror({ versions: ['1.5.0'], windows: true })
    const dir = join(win.root, 'terraform', '1.5.0')
    const zip = join(dir, 'terraform_1.5.0_windows_amd64.zip')
    expect(execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' })).toBe('terraform.exe\n')
    const lines = readFileSync(join(dir, 'terraform_1.5.0_SHA256SUMS'), 'utf8').trimEnd().split('\n')
    expect(lines.at(-1)).toBe(`${await sha256File(zip)}  terraform_1.5.0_windows_amd64.zip`)
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['terraform_1.5.0_SHA256SUMS.sig', 'terraform_1.5.0_SHA256SUMS.72D7468F.sig']))
    const index = JSON.parse(readFileSync(join(win.root, 'terraform', 'index.json'), 'utf8')) as HashicorpIndex
    expect(index.versions['1.5.0']!.builds).toContainEqual({ arch: 'amd64', filename: 'terraform_1.5.0_windows_amd64.zip', name: 'terraform', os: 'windows', url: 'https://releases.hashicorp.com/terraform/1.5.0/terraform_1.5.0_windows_amd64.zip', version: '1.5.0' })
    // The default mirror stays Linux-only (its cache entry is another directory).
    expect(readdirSync(join(mirror.root, 'terraform', '1.5.0')).some((f) => f.includes('windows'))).toBe(false)
  })
})
