import { defineFeature, type RemoteVersion } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }
import { cudaOptionsSchema, parseCudaOptions, redistManifestSchema, selectArtifacts, versionsFromIndex, type RedistManifest } from './redist.js'

const manifest = pkg.runner.feature

/**
 * The CUDA toolkit from NVIDIA's redist layout: versions from the directory index's
 * `redistrib_<V>.json` links, and for a version one `.tar.xz` per component (`cuda_nvcc`,
 * `cuda_cudart`, …) with the sha256 the manifest lists. Core extracts them all into one install
 * dir, `cuda/<V>/<arch>/`. Jimver/cuda-toolkit does not read that entry: it caches only NVIDIA's
 * installer and always runs it (see README), so its users switch to `CUDA_PATH`/`nvcc` from here.
 * Never the driver: `libcuda.so` comes from the host.
 */
export default defineFeature(pkg, {
  bins: ['bin/nvcc'],
  // nvcc prints only major.minor: "Cuda compilation tools, release 12.4, V12.4.131".
  smokeTest: { command: ['bin/nvcc', '--version'], expect: 'release {{major.minor}}, V' },
  options: cudaOptionsSchema,

  async listVersions(ctx): Promise<RemoteVersion[]> {
    return versionsFromIndex(await ctx.http.text(manifest.upstream))
  },

  async artifacts(version, platform, ctx) {
    const { components } = parseCudaOptions(ctx.options, version.version)
    const manifestUrl = `${manifest.upstream}redistrib_${version.version}.json`
    const redist = (await ctx.http.json(manifestUrl, redistManifestSchema)) as RedistManifest
    return selectArtifacts(redist, components, platform.arch, { upstream: manifest.upstream, manifestUrl, version: version.version })
  },

  env(installDir) {
    // What CMake's FindCUDAToolkit and build scripts look for (Jimver/cuda-toolkit sets CUDA_PATH
    // too, but to its own /usr/local/cuda-<major>.<minor> install).
    return { CUDA_PATH: installDir, CUDA_HOME: installDir }
  },
})
