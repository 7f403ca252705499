import { createHash } from 'node:crypto'
import { createWriteStream, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, posix } from 'node:path'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import { buildOnce, cacheKey, cacheRoot, fixtureContents, fixturePath } from './cache.js'
import { xzFile } from './node-archive.js'

/** The release the real manifest fixture describes (fixtures/nvidia/redistrib_12.4.1.json). */
export const CUDA_VERSION = '12.4.1'

/** Components built by default: the cuda feature's default set. */
export const DEFAULT_CUDA_COMPONENTS = ['cuda_nvcc', 'cuda_cudart', 'cuda_nvrtc', 'cuda_cccl', 'libcublas']

/** Redist platform keys built (x64 and arm64 runners). */
export const CUDA_PLATFORMS = ['linux-x86_64', 'linux-sbsa'] as const

export interface CudaMirrorOptions {
  /** Components to build archives for; each must be in the real manifest (default {@link DEFAULT_CUDA_COMPONENTS}). */
  components?: string[]
}

export interface BuiltCudaMirror {
  root: string
  /** `cuda/redist/` under `root`: what `RUNNER_FEATURES_MIRROR_CUDA` points at (plus the server URL). */
  redistPath: string
  version: string
  components: string[]
  /** Path under `root` of each built archive, by `<component>/<platform>`. */
  archives: Record<string, string>
}

/** Bump when the output of this builder changes, so cached mirrors are rebuilt. */
const BUILDER = 'cuda-mirror/2'
const MTIME = new Date('2024-04-03T00:00:00Z')

type Component = { name: string; version: string } & Record<string, unknown>

/**
 * Builds (or reuses from the cache) NVIDIA's redist layout for one release under `cuda/redist/`:
 * `index.html` (the directory index with the `redistrib_<V>.json` link), `redistrib_<V>.json` (the
 * trimmed real manifest with the built components' `relative_path`/`sha256`/`md5`/`size` replaced
 * by those of the archives built here; other components keep NVIDIA's values and are not served),
 * and per component and platform `<c>/<p>/<c>-<p>-<version>-archive.tar.xz`, each with the real
 * one-top-dir naming. Contents are small stand-ins: `bin/nvcc` answers `--version` like NVIDIA's
 * nvcc; libraries are placeholder files with the real soname symlink chains.
 */
export async function buildCudaMirror(opts: CudaMirrorOptions = {}): Promise<BuiltCudaMirror> {
  const components = [...new Set(opts.components ?? DEFAULT_CUDA_COMPONENTS)]
  const real = JSON.parse(readFileSync(fixturePath('nvidia', `redistrib_${CUDA_VERSION}.json`), 'utf8')) as Record<string, unknown>
  for (const c of components) {
    if (typeof real[c] !== 'object') throw new Error(`fixture-mirror: ${c} is not a component of the CUDA ${CUDA_VERSION} manifest fixture`)
  }
  const hash = cacheKey(BUILDER, JSON.stringify(components), fixtureContents(['nvidia', `redistrib_${CUDA_VERSION}.json`]))
  const archives: Record<string, string> = {}
  for (const c of components) for (const p of CUDA_PLATFORMS) archives[`${c}/${p}`] = `cuda/redist/${relativePath(c, p, (real[c] as Component).version)}`
  const root = await buildOnce(join(cacheRoot(), 'cuda', `${CUDA_VERSION}_${hash}`), async (tmp) => {
    const redist = join(tmp, 'cuda', 'redist')
    const manifest: Record<string, unknown> = { ...real }
    for (const c of components) {
      const entry: Component = { ...(real[c] as Component) }
      for (const p of CUDA_PLATFORMS) {
        const rel = relativePath(c, p, entry.version)
        const file = join(redist, rel)
        await mkdir(dirname(file), { recursive: true })
        await writeArchive(file, `${c}-${p}-${entry.version}-archive`, componentFiles(c, entry.version))
        const bytes = await readFile(file)
        entry[p] = {
          relative_path: rel,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          md5: createHash('md5').update(bytes).digest('hex'),
          // NVIDIA publishes sizes as strings.
          size: String((await stat(file)).size),
        }
      }
      manifest[c] = entry
    }
    await writeFile(join(redist, `redistrib_${CUDA_VERSION}.json`), `${JSON.stringify(manifest, null, 4)}\n`)
    await writeFile(join(redist, 'index.html'), indexHtml(components))
  })
  return { root, redistPath: 'cuda/redist/', version: CUDA_VERSION, components, archives }
}

function relativePath(component: string, platform: string, version: string): string {
  return `${component}/${platform}/${component}-${platform}-${version}-archive.tar.xz`
}

/** The directory index as NVIDIA's server renders it: single-quoted links, component dirs first. */
function indexHtml(components: string[]): string {
  const links = [...[...components].sort().map((c) => `${c}/`), `redistrib_${CUDA_VERSION}.json`]
  return `<html>\n<head><title>Index of /compute/cuda/redist</title></head>\n<body>\n<ul>\n<li><a href='..'>..</a></li>\n${links.map((l) => `<li><a href='${l}'>${l}</a></li>`).join('\n')}\n</ul>\n</body>\n</html>\n`
}

type Entry = { path: string; content?: string; mode?: number; link?: string }

/** What each component's archive holds (under its top dir). */
function componentFiles(component: string, version: string): Entry[] {
  const license = { path: 'LICENSE', content: `End User License Agreement (stand-in for ${component} ${version})\n` }
  const [major] = version.split('.')
  const lib = (name: string): Entry[] => [
    { path: `lib/${name}.so.${version}`, content: `placeholder ${name} ${version}\n` },
    { path: `lib/${name}.so.${major}`, link: `${name}.so.${version}` },
    { path: `lib/${name}.so`, link: `${name}.so.${major}` },
  ]
  switch (component) {
    case 'cuda_nvcc':
      return [license, { path: 'bin/nvcc', content: nvccScript(version), mode: 0o755 }, { path: 'include/fatbinary_section.h', content: '/* stand-in */\n' }, { path: 'nvvm/bin/cicc', content: '#!/bin/sh\nexit 0\n', mode: 0o755 }]
    case 'cuda_cudart':
      return [license, { path: 'include/cuda_runtime_api.h', content: `#define CUDART_VERSION ${major}040\n` }, ...lib('libcudart')]
    case 'cuda_cccl':
      return [license, { path: 'include/cuda/std/version', content: '// stand-in\n' }, { path: 'include/thrust/version.h', content: '#define THRUST_VERSION 200300\n' }]
    default: {
      // cuda_nvrtc → include/nvrtc.h + lib/libnvrtc.so…, libcublas → include/cublas.h + lib/libcublas.so…
      const name = component.replace(/^(cuda_|lib)/, '')
      return [license, { path: `include/${name}.h`, content: `/* ${component} stand-in */\n` }, ...lib(`lib${name}`)]
    }
  }
}

/**
 * The stand-in `nvcc`: `nvcc --version` prints what NVIDIA's nvcc prints (the shape of the real
 * output, e.g. "Cuda compilation tools, release 13.0, V13.0.88"); anything else fails loudly so a
 * test cannot mistake it for a compiler.
 */
export function nvccScript(nvccVersion: string): string {
  const [major, minor] = nvccVersion.split('.')
  return `#!/bin/sh
# Stand-in for nvcc ${nvccVersion} built by @runner-features/fixture-mirror.
case "$1" in
  --version|-V)
    cat <<'EOF'
nvcc: NVIDIA (R) Cuda compiler driver
Copyright (c) 2005-2024 NVIDIA Corporation
Built on Thu_Mar_28_02:18:24_PDT_2024
Cuda compilation tools, release ${major}.${minor}, V${nvccVersion}
Build cuda_${major}.${minor}.r${major}.${minor}/compiler.34097967_0
EOF
    ;;
  *)
    echo "nvcc (fixture-mirror stand-in): only 'nvcc --version' is implemented" >&2
    exit 1
    ;;
esac
`
}

/** A `.tar.xz` with every entry under `topDir/`, directory entries included, owner 0:0, fixed mtime. */
async function writeArchive(file: string, topDir: string, entries: Entry[]): Promise<void> {
  const tarFile = `${file}.tar`
  const pack = tar.pack()
  const written = pipeline(pack, createWriteStream(tarFile))
  const owner = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: MTIME }
  const dirs = new Set<string>()
  const addDir = (dir: string) => {
    if (dir === '.' || dirs.has(dir)) return
    addDir(posix.dirname(dir))
    dirs.add(dir)
    pack.entry({ ...owner, name: `${dir}/`, type: 'directory', mode: 0o755 })
  }
  for (const e of entries) {
    const name = posix.join(topDir, e.path)
    addDir(posix.dirname(name))
    if (e.link) pack.entry({ ...owner, name, type: 'symlink', linkname: e.link, mode: 0o777 })
    else pack.entry({ ...owner, name, mode: e.mode ?? 0o644 }, e.content ?? '')
  }
  pack.finalize()
  await written
  await xzFile(tarFile, file)
  await rm(tarFile)
}
