import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import yazl from 'yazl'
import { buildOnce, cacheKey, cacheRoot, fixtureContents, fixturePath } from './cache.js'
import { writeShasums } from './checksums.js'
import type { BuiltMirror } from './node-mirror.js'
import { compareReleaseVersions, mergeHashicorpIndex, releaseEntry, zipName, type HashicorpIndex } from './terraform-index.js'

export interface TerraformMirrorOptions {
  /** Exact versions to build (default {@link DEFAULT_TERRAFORM_VERSIONS}). */
  versions?: string[]
}

/** 1.5.0 is what the demo installs; 1.5.7 and 1.6.0 give `~1.5` and `latest` something to choose between. */
export const DEFAULT_TERRAFORM_VERSIONS = ['1.5.0', '1.5.7', '1.6.0']

const PLATFORMS = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
] as const

/** Bump when the output of this builder changes, so cached mirrors are rebuilt. */
const BUILDER = 'terraform-mirror/1'

/** Fixed zip entry time, so rebuilding gives byte-identical zips. */
const ZIP_MTIME = new Date('2023-06-12T00:00:00Z')

/**
 * Builds (or reuses from the cache) a directory in releases.hashicorp.com layout:
 * `terraform/index.json` (the trimmed real index plus the built releases, `builds[].url` absolute
 * upstream URLs) and per version `terraform/<V>/terraform_<V>_SHA256SUMS` with
 * `terraform_<V>_linux_{amd64,arm64}.zip`. Each zip holds one executable `terraform`: a POSIX sh
 * stand-in that answers `terraform version` like the real binary (see {@link terraformScript}).
 */
export async function buildTerraformMirror(opts: TerraformMirrorOptions = {}): Promise<BuiltMirror> {
  const versions = [...new Set(opts.versions ?? DEFAULT_TERRAFORM_VERSIONS)].sort(compareReleaseVersions)
  if (!versions.length) throw new Error('fixture-mirror: buildTerraformMirror needs at least one version')
  for (const v of versions) {
    if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(v)) throw new Error(`fixture-mirror: "${v}" is not an exact terraform version like 1.5.0`)
  }
  const hash = cacheKey(BUILDER, JSON.stringify(versions), fixtureContents(['hashicorp', 'terraform-index.json']))
  const root = await buildOnce(join(cacheRoot(), 'terraform', `${versions.join('+')}_${hash}`), async (tmp) => {
    for (const version of versions) {
      const dir = join(tmp, 'terraform', version)
      await mkdir(dir, { recursive: true })
      for (const { os, arch } of PLATFORMS) {
        await writeFile(join(dir, zipName('terraform', version, os, arch)), await zipExecutable('terraform', terraformScript(version, `${os}_${arch}`)))
      }
      await writeShasums(dir, `terraform_${version}_SHA256SUMS`)
    }
    const real = JSON.parse(readFileSync(fixturePath('hashicorp', 'terraform-index.json'), 'utf8')) as HashicorpIndex
    const index = mergeHashicorpIndex(real, versions.map((v) => releaseEntry('terraform', v, PLATFORMS)))
    // Upstream serves the index minified.
    await writeFile(join(tmp, 'terraform', 'index.json'), JSON.stringify(index))
  })
  return { root, versions }
}

/**
 * The stand-in `terraform` executable. `terraform version` prints exactly what the real binary
 * prints when it is up to date (`Terraform v1.5.0` / `on linux_amd64`); `-json` gives the real
 * JSON shape. Anything else fails loudly, so a test cannot mistake it for a working terraform.
 */
export function terraformScript(version: string, platform: string): string {
  const json = JSON.stringify({ terraform_version: version, platform, provider_selections: {}, terraform_outdated: false }, null, 2)
  return `#!/bin/sh
# Stand-in for terraform ${version} (${platform}) built by @runner-features/fixture-mirror.
case "$1" in
  version|-version|--version|-v)
    if [ "$2" = "-json" ]; then
      cat <<'EOF'
${json}
EOF
    else
      printf 'Terraform v%s\\non %s\\n' '${version}' '${platform}'
    fi
    ;;
  *)
    echo "terraform (fixture-mirror stand-in): only 'terraform version' is implemented" >&2
    exit 1
    ;;
esac
`
}

/** A zip holding one executable file (mode 0755), like HashiCorp's release zips. */
async function zipExecutable(name: string, content: string): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from(content), name, { mode: 0o100755, mtime: ZIP_MTIME })
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
