// The gpu image without a container engine or a GPU: Dockerfile contract greps, install-cuda.sh run
// on the host (against a stand-in `runner`, and against the real built CLI with a local mirror in
// NVIDIA's redist layout), and the ARC GPU scale set values.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { startMirrorServer } from '@runner-features/fixture-mirror'
import { mirror as buildCudaMirror } from '../../plugins/cuda/fixtures/mirror.ts'
import { cudaOptionsSchema } from '../../plugins/cuda/src/redist.js'
import { has, repo, run, runAsync } from './helpers/env.js'

const read = (...p: string[]) => readFileSync(join(repo, ...p), 'utf8')
const dockerfile = read('images', 'gpu', 'Dockerfile')
const script = join(repo, 'images', 'gpu', 'install-cuda.sh')
const scratch = mkdtempSync(join(tmpdir(), 'rf-gpu-static-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('gpu Dockerfile', () => {
  it('builds FROM the base and installs the toolkit through the cuda feature, with build args for version, components and mirrors', () => {
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=runner-features\/base:latest$/m)
    expect(dockerfile).toMatch(/^FROM \$\{BASE_IMAGE\}$/m)
    expect(dockerfile).toMatch(/^ARG CUDA_VERSION=\d+\.\d+(\.\d+)?$/m)
    expect(dockerfile).toMatch(/^ARG CUDA_COMPONENTS=""$/m)
    expect(dockerfile).toMatch(/^ARG RUNNER_FEATURES_MIRRORS=""$/m)
    expect(dockerfile).toContain('COPY images/gpu/install-cuda.sh /usr/local/lib/runner-features/install-cuda.sh')
    expect(dockerfile).toMatch(/CUDA_VERSION="\$CUDA_VERSION" CUDA_COMPONENTS="\$CUDA_COMPONENTS" RUNNER_FEATURES_MIRRORS="\$RUNNER_FEATURES_MIRRORS" \\\n\s+sh \/usr\/local\/lib\/runner-features\/install-cuda\.sh/)
    expect(read('images', 'gpu', 'install-cuda.sh')).toContain('runner features install "cuda@$CUDA_VERSION"')
  })

  it('never adds NVIDIA package repositories or driver packages; the driver comes from the node', () => {
    for (const text of [dockerfile, read('images', 'gpu', 'install-cuda.sh')]) {
      expect(text).not.toMatch(/cuda-keyring|compute\/cuda\/repos|apt-get install|dnf install/)
      expect(text).not.toMatch(/cuda-drivers|nvidia-driver|libnvidia|cuda-compat|nvidia_driver/)
    }
  })

  it('exposes the toolkit at /usr/local/cuda for the runner user, with the container toolkit variables', () => {
    expect(dockerfile).toMatch(/ENV PATH=\/usr\/local\/cuda\/bin:\$\{PATH\}/)
    expect(dockerfile).toMatch(/CUDA_HOME=\/usr\/local\/cuda/)
    expect(dockerfile).toMatch(/NVIDIA_DRIVER_CAPABILITIES=compute,utility/)
    expect(dockerfile).toMatch(/chown -R runner:docker \/opt\/hostedtoolcache/)
    expect(dockerfile.trim().split('\n').at(-1)).toBe('USER runner')
  })

  it('every build arg docker-bake passes to the gpu target is declared by the Dockerfile', () => {
    const bake = read('images', 'docker-bake.hcl')
    const target = /target "gpu" \{([\s\S]*?)\n\}/.exec(bake)?.[1] ?? ''
    const args = [...(/args\s*=\s*\{([^}]*)\}/.exec(target)?.[1] ?? '').matchAll(/(\w+)\s*=/g)].map((m) => m[1]!)
    expect(args).toContain('CUDA_VERSION')
    for (const a of args) expect(dockerfile).toMatch(new RegExp(`^ARG ${a}(=|$)`, 'm'))
  })
})

describe('install-cuda.sh against a stand-in runner', () => {
  /** A fake `runner` that records its argv, env and any --config file, and reports `dir` as the cuda install. */
  function setup(opts: { exit?: number; installed?: boolean } = {}) {
    const dir = mkdtempSync(join(scratch, 'fake-'))
    const bin = join(dir, 'bin')
    const install = join(dir, 'toolcache', 'cuda', '12.6.3', 'x64')
    mkdirSync(join(install, 'bin'), { recursive: true })
    writeFileSync(join(install, 'bin', 'nvcc'), '#!/bin/sh\n')
    chmodSync(join(install, 'bin', 'nvcc'), 0o755)
    mkdirSync(bin)
    const list = JSON.stringify({ installed: opts.installed === false ? [] : [{ id: 'nodejs', path: '/x' }, { id: 'cuda', path: install }] })
    writeFileSync(join(bin, 'runner'), `#!/bin/sh
if [ "$1 $2" = "features list" ]; then printf '%s\\n' '${list}'; exit 0; fi
printf '%s\\n' "$*" >> "${dir}/calls"
env | grep '^RUNNER_FEATURES_' >> "${dir}/env" || true
for a in "$@"; do case "$prev" in --config) cp "$a" "${dir}/config.yml" ;; esac; prev=$a; done
exit ${opts.exit ?? 0}
`)
    chmodSync(join(bin, 'runner'), 0o755)
    const exec = (env: Record<string, string>) => run('sh', [script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, CUDA_LINK: join(dir, 'cuda'), LD_CONF_DIR: join(dir, 'ld.so.conf.d'), ...env },
    })
    const file = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined)
    return { dir, install, exec, file }
  }

  it.skipIf(!has('jq'))('default components: `runner features install cuda@<V>`, mirrors exported, /usr/local/cuda linked, ld.so.conf entry', () => {
    const t = setup()
    const res = t.exec({ CUDA_VERSION: '12.6', RUNNER_FEATURES_MIRRORS: 'cuda=https://mirror.example/cuda/redist/' })
    expect(res.status, res.stderr).toBe(0)
    expect(t.file('calls')).toBe('features install cuda@12.6\n')
    expect(t.file('env')).toContain('RUNNER_FEATURES_MIRROR_CUDA=https://mirror.example/cuda/redist/')
    expect(readlinkSync(join(t.dir, 'cuda'))).toBe(t.install)
    expect(t.file('ld.so.conf.d/cuda.conf')).toBe(`${join(t.dir, 'cuda')}/lib\n`)
  })

  it.skipIf(!has('jq'))('CUDA_COMPONENTS: a one-entry config whose options the cuda feature accepts', () => {
    const t = setup()
    const res = t.exec({ CUDA_VERSION: '12.4.1', CUDA_COMPONENTS: 'cuda_nvcc, cuda_cudart cuda_cccl' })
    expect(res.status, res.stderr).toBe(0)
    expect(t.file('calls')).toMatch(/^features install --config \S+\/runner-config\.yml\n$/)
    const config = parseYaml(t.file('config.yml')!)
    expect(config).toEqual({ features: [{ id: 'cuda', version: '12.4.1', options: { components: ['cuda_nvcc', 'cuda_cudart', 'cuda_cccl'] } }] })
    expect(cudaOptionsSchema.parse(config.features[0].options).components).toEqual(['cuda_nvcc', 'cuda_cudart', 'cuda_cccl'])
  })

  it.skipIf(!has('jq'))('fails (and links nothing) when the install fails, when no version is given, or when no cuda install is reported', () => {
    const failed = setup({ exit: 1 })
    expect(failed.exec({ CUDA_VERSION: '12.6' }).status).not.toBe(0)
    expect(existsSync(join(failed.dir, 'cuda'))).toBe(false)
    const noVersion = setup().exec({})
    expect(noVersion.status).not.toBe(0)
    expect(noVersion.stderr).toContain('CUDA_VERSION')
    const none = setup({ installed: false })
    const res = none.exec({ CUDA_VERSION: '12.6' })
    expect(res.status).toBe(1)
    expect(res.stderr).toContain('no install with bin/nvcc')
  })
})

describe('install-cuda.sh with the real runner CLI and a local NVIDIA redist mirror', () => {
  const cli = join(repo, 'packages', 'cli', 'dist', 'index.js')
  it.skipIf(!has('jq') || !has('xz') || !existsSync(cli))('installs the toolkit into the tool cache through the feature and links it', async () => {
    const mirror = await buildCudaMirror({ components: ['cuda_nvcc', 'cuda_cudart'] })
    const server = await startMirrorServer(mirror.root)
    // Web servers answer a directory URL with its index.html; the fixture server serves files only.
    server.override(`/${mirror.redistPath}`, readFileSync(join(mirror.root, mirror.redistPath, 'index.html')))
    try {
      const dir = mkdtempSync(join(scratch, 'real-'))
      const bin = join(dir, 'bin')
      mkdirSync(bin)
      writeFileSync(join(bin, 'runner'), `#!/bin/sh\nexec "${process.execPath}" "${join(repo, 'packages', 'cli', 'bin', 'run.js')}" "$@"\n`)
      chmodSync(join(bin, 'runner'), 0o755)
      // Async: the mirror server runs in this process and must keep answering.
      const res = await runAsync('sh', [script], {
        env: {
          PATH: `${bin}:/usr/bin:/bin`, HOME: dir, RUNNER_TOOL_CACHE: join(dir, 'toolcache'), RUNNER_FEATURES_BIN_DIR: join(dir, 'links'),
          RUNNER_FEATURES_PLUGINS_DIR: join(dir, 'plugins'), CUDA_LINK: join(dir, 'cuda'), LD_CONF_DIR: join(dir, 'ld'),
          CUDA_VERSION: '12.4', CUDA_COMPONENTS: 'cuda_nvcc,cuda_cudart', RUNNER_FEATURES_MIRRORS: `cuda=${server.url}${mirror.redistPath}`,
        },
      })
      expect(res.status, res.stdout + res.stderr).toBe(0)
      const install = join(dir, 'toolcache', 'cuda', '12.4.1', 'x64')
      expect(readlinkSync(join(dir, 'cuda'))).toBe(install)
      expect(lstatSync(join(dir, 'toolcache', 'cuda', '12.4.1', 'x64.complete')).isFile()).toBe(true)
      expect(run(join(dir, 'cuda', 'bin', 'nvcc'), ['--version']).stdout).toContain('release 12.4, V12.4.131')
      expect(existsSync(join(dir, 'cuda', 'lib', 'libcudart.so'))).toBe(true)
      expect(existsSync(join(dir, 'cuda', 'include', 'cublas.h'))).toBe(false)
    } finally {
      await server.close()
    }
  })
})

describe('ARC GPU scale set', () => {
  const values = parseYaml(read('deploy', 'arc', 'values-gpu.yaml'))
  const runner = values.template.spec.containers.find((c: { name: string }) => c.name === 'runner')

  it('runs the gpu image (toolkit from the cuda feature) with one GPU, on GPU nodes only', () => {
    expect(runner.image).toMatch(/\/gpu:[^/]+$/)
    expect(runner.resources.limits['nvidia.com/gpu']).toBe(1)
    expect(runner.resources.requests?.['nvidia.com/gpu'] ?? 1).toBe(runner.resources.limits['nvidia.com/gpu'])
    expect(values.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' })
    expect(values.template.spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' })
    expect(runner.env).toContainEqual({ name: 'NVIDIA_DRIVER_CAPABILITIES', value: 'compute,utility' })
  })
})
