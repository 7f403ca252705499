import { z } from 'zod'
import { RunnerError, type Arch, type Artifact, type RemoteVersion } from '@runner-features/kit'

// NVIDIA's redist layout (https://developer.download.nvidia.com/compute/cuda/redist/):
//   index (HTML)              links `redistrib_<V>.json`, one per CUDA release
//   redistrib_<V>.json        release_date, release_label, release_product, then one object per
//                             component: name, license, license_path, version, and per platform
//                             { relative_path, sha256, md5, size } (size is a string of bytes)
//   <relative_path>           `cuda_nvcc/linux-x86_64/cuda_nvcc-linux-x86_64-12.4.131-archive.tar.xz`,
//                             one top dir holding bin/, include/, lib/, LICENSE

/** Redist platform keys by runner arch. `linux-sbsa` is server arm64 (Grace, Ampere Altra); `linux-aarch64` is Jetson (L4T) and not used. */
export const REDIST_PLATFORM: Record<Arch, string> = { x64: 'linux-x86_64', arm64: 'linux-sbsa' }

/** What a default install contains: enough to compile and link CUDA C++ (nvcc, runtime, JIT, Thrust/CUB, cuBLAS). */
export const DEFAULT_COMPONENTS = ['cuda_nvcc', 'cuda_cudart', 'cuda_nvrtc', 'cuda_cccl', 'libcublas'] as const

/** One archive of a component on one platform. */
export const redistArchiveSchema = z.looseObject({
  relative_path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a sha256 (64 hex digits)'),
  md5: z.string().optional(),
  // Published as a string of bytes ("51184484"); accept a number too.
  size: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number).optional(),
})

/** One component (`cuda_nvcc`, `libcublas`, …): metadata plus an archive per platform key. */
export const redistComponentSchema = z.looseObject({
  name: z.string(),
  license: z.string().optional(),
  license_path: z.string().optional(),
  version: z.string().min(1),
})

/**
 * `redistrib_<V>.json`: the release fields, then components. Components are validated one by one
 * when selected (see {@link selectArtifacts}), so a new top-level field NVIDIA adds breaks nothing.
 */
export const redistManifestSchema = z.looseObject({
  release_date: z.string(),
  release_label: z.string(),
  release_product: z.string(),
})

export type RedistManifest = z.infer<typeof redistManifestSchema> & Record<string, unknown>

/** The `components` option: which redist components make up the install, in extraction order. */
export const cudaOptionsSchema = z.strictObject({
  components: z
    .array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a redist component name such as cuda_nvcc'))
    .min(1)
    .default([...DEFAULT_COMPONENTS])
    .transform((list) => [...new Set(list)]),
})

export type CudaOptions = z.infer<typeof cudaOptionsSchema>

const INDEX_LINK = /href\s*=\s*["']?(?:\.\/)?redistrib_(\d+\.\d+\.\d+)\.json["'\s>]/g

/** The CUDA releases an HTML index links (`<a href='redistrib_12.4.1.json'>`), each once. */
export function versionsFromIndex(html: string): RemoteVersion[] {
  const seen = new Set<string>()
  for (const m of html.matchAll(INDEX_LINK)) seen.add(m[1]!)
  return [...seen].map((version) => ({ version }))
}

/** Component names in a manifest: its object-valued keys. */
export function componentNames(manifest: Record<string, unknown>): string[] {
  return Object.keys(manifest).filter((k) => typeof manifest[k] === 'object' && manifest[k] !== null).sort()
}

/** Safe relative path of a redist `.tar.xz`: plain segments, no `..`, no scheme or leading `/`. */
const RELATIVE_ARCHIVE = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+-]+)*\.tar\.xz$/

export interface SelectContext {
  /** `https://developer.download.nvidia.com/compute/cuda/redist/` (archive URLs are relative to it). */
  upstream: string
  /** The manifest URL: the checksum source of every artifact. */
  manifestUrl: string
  version: string
}

/**
 * The artifacts for `components` on `arch`, in the order asked: each `<upstream><relative_path>`
 * with the manifest's sha256 and size, one top dir stripped. Refuses (`INVALID_OPTIONS`) a
 * component the release does not have and any driver component; `UNSUPPORTED_PLATFORM` when a
 * component has no archive for the platform; `UPSTREAM_FORMAT` for an entry it cannot trust.
 */
export function selectArtifacts(manifest: Record<string, unknown>, components: readonly string[], arch: Arch, ctx: SelectContext): Artifact[] {
  const platform = REDIST_PLATFORM[arch]
  const where = `cuda@${ctx.version} options.components`
  return components.map((name) => {
    const raw = manifest[name]
    if (typeof raw !== 'object' || raw === null) {
      throw new RunnerError('INVALID_OPTIONS', `CUDA ${ctx.version} has no component "${name}"`, {
        where,
        hint: `use components listed in ${ctx.manifestUrl}: ${componentNames(manifest).join(', ')}`,
        details: { component: name, available: componentNames(manifest) },
      })
    }
    const parsed = redistComponentSchema.safeParse(raw)
    if (!parsed.success) throw upstreamFormat(ctx.manifestUrl, `${name}: ${parsed.error.issues[0]?.message ?? 'malformed'}`)
    const component = parsed.data
    if (name === 'nvidia_driver' || component.license === 'NVIDIA Driver') {
      throw new RunnerError('INVALID_OPTIONS', `"${name}" (${component.name}) is part of the NVIDIA driver, not the toolkit`, {
        where,
        hint: 'the driver comes from the host (NVIDIA Container Toolkit / device plugin); list only toolkit components',
      })
    }
    const entry = (raw as Record<string, unknown>)[platform]
    if (entry === undefined) {
      throw new RunnerError('UNSUPPORTED_PLATFORM', `CUDA ${ctx.version}: ${name} ${component.version} has no ${platform} archive`, {
        where: ctx.manifestUrl,
        hint: `leave ${name} out of the components for linux-${arch}, or pick another CUDA version`,
      })
    }
    const archive = redistArchiveSchema.safeParse(entry)
    if (!archive.success) throw upstreamFormat(ctx.manifestUrl, `${name}.${platform}: ${archive.error.issues[0]?.path.join('.')} ${archive.error.issues[0]?.message}`)
    if (!RELATIVE_ARCHIVE.test(archive.data.relative_path)) throw upstreamFormat(ctx.manifestUrl, `${name}.${platform}.relative_path "${archive.data.relative_path}" is not a relative .tar.xz path`)
    return {
      url: `${ctx.upstream}${archive.data.relative_path}`,
      sha256: archive.data.sha256.toLowerCase(),
      checksumSource: ctx.manifestUrl,
      ...(archive.data.size !== undefined ? { size: archive.data.size } : {}),
      archive: 'tar.xz',
      // `cuda_nvcc-linux-x86_64-12.4.131-archive/bin/nvcc` → `bin/nvcc`
      strip: 1,
    } satisfies Artifact
  })
}

function upstreamFormat(url: string, what: string): RunnerError {
  return new RunnerError('UPSTREAM_FORMAT', `the redist manifest does not have the expected shape: ${what}`, { where: url, hint: 'the mirror may serve a different file; compare it with NVIDIA\'s redistrib JSON' })
}

/** Validated options (defaults applied), or `INVALID_OPTIONS` naming the first problem. */
export function parseCudaOptions(options: Readonly<Record<string, unknown>> | undefined, version: string): CudaOptions {
  const parsed = cudaOptionsSchema.safeParse(options ?? {})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  throw new RunnerError('INVALID_OPTIONS', `${issue.path.join('.') || 'options'}: ${issue.message}`, { where: `cuda@${version} options`, hint: `components is a list of redist component names, default ${DEFAULT_COMPONENTS.join(', ')}` })
}
