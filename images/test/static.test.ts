// Checks that need no container engine: shellcheck, the entrypoints run on the host against the
// stand-in runner and a fake `runner` CLI, Dockerfile contract greps, Kubernetes manifests against
// the Kubernetes schemas (kubernetes-models), ARC values against our schema, docker-compose.yml.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import Ajv from 'ajv'
import { Pod } from 'kubernetes-models/v1/Pod'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim'
import { Job } from 'kubernetes-models/batch/v1/Job'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureCommands, has, repo, run } from './helpers/env.js'

const images = join(repo, 'images')
const deploy = join(repo, 'deploy')
const read = (...p: string[]) => readFileSync(join(...p), 'utf8')

function walk(dir: string, keep: (f: string) => boolean): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    if (name === 'node_modules') continue
    if (statSync(full).isDirectory()) out.push(...walk(full, keep))
    else if (keep(full)) out.push(full)
  }
  return out
}

const scratch = mkdtempSync(join(tmpdir(), 'rf-images-static-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('shell scripts', () => {
  const scripts = walk(images, (f) => f.endsWith('.sh'))
  const missing = ensureCommands({ shellcheck: 'shellcheck' })
  if (missing) console.warn(`[images] shellcheck unavailable: ${missing}`)

  it('finds the entrypoints', () => {
    const rel = scripts.map((f) => relative(repo, f))
    expect(rel).toEqual(expect.arrayContaining(['images/base/entrypoint.sh', 'images/base/job-started.sh', 'images/base/runner.sh', 'images/server-run/entrypoint.sh']))
  })

  it.skipIf(missing !== undefined)('are shellcheck-clean', () => {
    const res = run('shellcheck', ['-x', '-S', 'style', ...scripts])
    expect(res.stdout + res.stderr).toBe('')
    expect(res.status).toBe(0)
  })

  it('are executable in the repository or chmod-ed by their Dockerfile', () => {
    for (const f of ['base/entrypoint.sh', 'base/job-started.sh', 'base/runner.sh']) expect(read(images, 'base', 'Dockerfile')).toContain(f.replace('base/', 'images/base/'))
    expect(read(images, 'base', 'Dockerfile')).toMatch(/chmod 0755 \/usr\/local\/bin\/runner \/usr\/local\/bin\/runner-entrypoint/)
  })
})

describe('base entrypoint on the host (stand-in runner, fake runner CLI)', () => {
  const TOKEN = 'reg-TOKEN-5e3b9f0c'
  const JIT = 'jit-SECRET-a1b2c3d4'

  /** Copies the stand-in runner, puts a fake `runner` first on PATH, runs the entrypoint. */
  function entrypoint(env: Record<string, string>, args: string[] = [], fakeRunnerExit = 0) {
    const dir = mkdtempSync(join(scratch, 'ep-'))
    const home = join(dir, 'home')
    cpSync(join(images, 'test', 'fixtures', 'actions-runner'), home, { recursive: true })
    const bin = join(dir, 'bin')
    const log = join(dir, 'log')
    cpSync(join(images, 'test', 'fixtures', 'actions-runner', 'bin'), bin, { recursive: true })
    mkdirSync(log)
    writeFileSync(join(bin, 'runner'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}/runner.calls"\nenv >> "${log}/runner.env"\nexit ${fakeRunnerExit}\n`)
    chmodSync(join(bin, 'runner'), 0o755)
    const res = run('bash', [join(images, 'base', 'entrypoint.sh'), ...args], {
      env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, HOME: dir, RUNNER_HOME: home, RUNNER_STANDIN_LOG_DIR: log, RUNNER_ALLOW_RUNASROOT: '1', ...env },
    })
    const recorded: Record<string, string> = {}
    if (existsSync(log)) for (const f of readdirSync(log)) recorded[f] = readFileSync(join(log, f), 'utf8')
    return { res, recorded }
  }

  it('installs RUNNER_FEATURES first (split on spaces and commas, no globbing), without any secret in its env', () => {
    const { res, recorded } = entrypoint({ RUNNER_FEATURES: 'nodejs@20, terraform@1.5.0 *', GITHUB_CONFIG_URL: 'https://github.com/acme/app', RUNNER_TOKEN: TOKEN })
    expect(res.status, res.stderr).toBe(0)
    expect(recorded['runner.calls']).toBe('features install -- nodejs@20 terraform@1.5.0 *\n')
    expect(recorded['runner.env']).not.toContain(TOKEN)
    expect(recorded['config.token']).toBe(TOKEN)
    expect(recorded['config.argv']).not.toContain(TOKEN)
    expect(recorded['job.env']).not.toContain(TOKEN)
    expect(res.stdout + res.stderr).not.toContain(TOKEN)
  })

  it('reads the token from RUNNER_TOKEN_FILE and keeps the file path out of the job env', () => {
    const tokenFile = join(scratch, 'token')
    writeFileSync(tokenFile, TOKEN)
    const { res, recorded } = entrypoint({ GITHUB_CONFIG_URL: 'https://github.com/acme/app', RUNNER_TOKEN_FILE: tokenFile, RUNNER_EPHEMERAL: 'false' })
    expect(res.status, res.stderr).toBe(0)
    expect(recorded['config.token']).toBe(TOKEN)
    expect(recorded['config.argv']).not.toContain('--ephemeral')
    expect(recorded['job.env']).not.toContain('RUNNER_TOKEN_FILE')
  })

  it('hands the JIT config to run.sh through the environment only', () => {
    const { res, recorded } = entrypoint({ ACTIONS_RUNNER_INPUT_JITCONFIG: JIT })
    expect(res.status, res.stderr).toBe(0)
    expect(recorded['run.jitconfig']).toBe(JIT)
    expect(recorded['run.argv']).toBe('')
    expect(recorded['config.argv']).toBeUndefined()
    expect(recorded['job.env']).not.toContain(JIT)
    expect(recorded['job.cmdlines']).not.toContain(JIT)
  })

  it('installs a mounted config (with --frozen) and enables the job-started hook on request', () => {
    const config = join(scratch, 'runner-config.yml')
    writeFileSync(config, 'features: [nodejs@20]\n')
    const { res, recorded } = entrypoint({ RUNNER_FEATURES_CONFIG: config, RUNNER_FEATURES_FROZEN: 'true', RUNNER_FEATURES_JOB_HOOK: 'true' },
      ['sh', '-c', 'echo "hook=$ACTIONS_RUNNER_HOOK_JOB_STARTED"'])
    expect(res.status, res.stderr).toBe(0)
    expect(recorded['runner.calls']).toBe(`features install --config ${config} --frozen\n`)
    expect(res.stdout).toContain('hook=/opt/runner-features/hooks/job-started.sh')
  })

  it('stops before registration when the install fails, and when there is nothing to register with', () => {
    const failed = entrypoint({ RUNNER_FEATURES: 'nodejs@20', GITHUB_CONFIG_URL: 'https://github.com/acme/app', RUNNER_TOKEN: TOKEN }, [], 1)
    expect(failed.res.status).toBe(70)
    expect(failed.recorded['config.argv']).toBeUndefined()
    expect(failed.res.stderr).not.toContain(TOKEN)
    const nothing = entrypoint({})
    expect(nothing.res.status).toBe(64)
    expect(nothing.res.stderr).toContain('ACTIONS_RUNNER_INPUT_JITCONFIG')
    const noUrl = entrypoint({ RUNNER_TOKEN: TOKEN })
    expect(noUrl.res.status).toBe(64)
    expect(noUrl.res.stderr).not.toContain(TOKEN)
  })

  it('runs given arguments instead of the runner, with the secrets already gone', () => {
    const { res, recorded } = entrypoint({ RUNNER_TOKEN: TOKEN, ACTIONS_RUNNER_INPUT_JITCONFIG: JIT }, ['sh', '-c', 'env; echo args-ran'])
    expect(res.status, res.stderr).toBe(0)
    expect(res.stdout).toContain('args-ran')
    expect(res.stdout).not.toContain(TOKEN)
    expect(res.stdout).not.toContain(JIT)
    expect(recorded['run.argv']).toBeUndefined()
  })
})

describe('server-run entrypoint on the host', () => {
  const blocked = ['jq', 'python3', 'base64'].filter((c) => !has(c))
  it.skipIf(blocked.length > 0)('passes hostile values verbatim as separate argv elements and returns the script status', () => {
    const out = mkdtempSync(join(scratch, 'sr-'))
    const parameters = { a: '"; rm -rf / #', b: '$(id)', c: 'x\ny\n', d: '-v', e: false, 'exit-code': 3 }
    const res = run('bash', [join(images, 'server-run', 'entrypoint.sh')], {
      env: { PATH: process.env.PATH, JOB_ID: 'host-1', SCRIPT_ID: 'echo_args', PARAMETERS: JSON.stringify(parameters), SCRIPTS_DIR: join(images, 'test', 'fixtures', 'scripts'), OUTPUT_DIR: out },
    })
    expect(res.status, res.stderr).toBe(3)
    expect(JSON.parse(read(out, 'artifacts', 'argv.json'))).toEqual(['--a="; rm -rf / #', '--b=$(id)', '--c=x\ny\n', '--d=-v', '--e=false', '--exit-code=3'])
    expect(JSON.parse(read(out, 'result.json'))).toMatchObject({ job_id: 'host-1', exit_code: 3, script: 'echo_args.py' })
  })
})

describe('Dockerfiles honour the image contract', () => {
  const base = read(images, 'base', 'Dockerfile')
  const serverRun = read(images, 'server-run', 'Dockerfile')
  const gpu = read(images, 'gpu', 'Dockerfile')

  it('base: build-arg base image, ARC user/group, tool cache, ImageOS, own Node, plugins, features', () => {
    expect(base).toMatch(/^ARG BASE_IMAGE=ubuntu:24\.04$/m)
    expect(base).toMatch(/^FROM \$\{BASE_IMAGE\} AS os$/m)
    expect(base).toMatch(/groupadd -g 123 docker/)
    expect(base).toMatch(/useradd .*-u 1001 .*runner/)
    expect(base).toMatch(/NOPASSWD:ALL/)
    expect(base).toMatch(/RUNNER_TOOL_CACHE=\/opt\/hostedtoolcache/)
    expect(base).toMatch(/AGENT_TOOLSDIRECTORY=\/opt\/hostedtoolcache/)
    expect(base).toMatch(/ImageOS=\$\{IMAGE_OS\}/)
    expect(base).toMatch(/install -d -o runner -g docker -m 2775 \/opt\/hostedtoolcache/)
    expect(base).toMatch(/ARG RUNNER_VERSION=\d+\.\d+\.\d+/)
    expect(base).toMatch(/https:\/\/github\.com\/actions\/runner\/releases\/download\/v\$RUNNER_VERSION\/actions-runner-linux-\$ra-\$RUNNER_VERSION\.tar\.gz/)
    expect(base).toMatch(/node-linux-\$a-\$NODE_VERSION\.tgz/)
    expect(read(images, 'base', 'runner.sh')).toContain('exec /opt/runner-features/node/bin/node /opt/runner-features/cli/bin/run.js "$@"')
    expect(base).toMatch(/RUNNER_FEATURES_PLUGINS_DIR=\/usr\/local\/share\/runner-features\/plugins runner plugins install/)
    expect(base.match(/sh \/usr\/local\/lib\/runner-features\/bake-features\.sh /g)?.length).toBe(1) // one install step: lock, then --frozen (images/scripts/bake-features.sh)
    expect(base).toMatch(/^USER runner$/m)
    expect(base).toMatch(/^WORKDIR \/home\/runner$/m)
    expect(base).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/runner-entrypoint"\]$/m)
    for (const t of ['git', 'curl', 'jq', 'unzip', 'sudo']) expect(base).toMatch(new RegExp(`pkgs="[^"]*\\b${t}\\b`))
  })

  it('no Dockerfile pulls a frontend, bakes a credential or installs a driver', () => {
    for (const d of [base, serverRun, gpu]) {
      expect(d).not.toMatch(/^#\s*syntax=/m)
      expect(d).not.toMatch(/^(ARG|ENV)\s+\S*(TOKEN|PASSWORD|SECRET)\S*/im)
      expect(d).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED|--insecure|\bcurl -k\b/)
    }
    // The toolkit comes from the cuda feature (gpu.static.test.ts); the driver never comes from the image.
    expect(gpu).toMatch(/runner features install|install-cuda\.sh/)
    expect(gpu).not.toMatch(/cuda-drivers|nvidia-driver|apt-get install[^\n]*\bcuda-\d+-\d+\b/)
  })

  it('entrypoint never puts a token on a command line and ends by exec-ing run.sh', () => {
    const ep = read(images, 'base', 'entrypoint.sh')
    expect(ep).not.toMatch(/--token/)
    expect(ep).not.toMatch(/^\s*set -[a-z]*x/m)
    expect(ep).toMatch(/unset ACTIONS_RUNNER_INPUT_JITCONFIG RUNNER_TOKEN RUNNER_TOKEN_FILE/)
    expect(ep.trim().split('\n').at(-1)).toBe('exec ./run.sh')
  })

  it('server-run: FROM the base, tools (pwsh included) through features, read-only scripts', () => {
    expect(serverRun).toMatch(/^ARG BASE_IMAGE=runner-features\/base:latest$/m)
    expect(serverRun).toMatch(/ARG SERVER_RUN_FEATURES="python@system common-utils powershell"/)
    expect(serverRun).not.toMatch(/PWSH_VERSION|curl /)
    expect(serverRun).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/server-run"\]$/m)
  })

  it('docker-bake.hcl builds amd64 and arm64', () => {
    const bake = read(images, 'docker-bake.hcl')
    expect(bake).toContain('linux/amd64')
    expect(bake).toContain('linux/arm64')
    for (const t of ['base', 'server-run', 'gpu']) expect(bake).toMatch(new RegExp(`target "${t}"`))
  })
})

describe('Kubernetes manifests', () => {
  const manifests = walk(deploy, (f) => f.endsWith('.yaml') && !f.includes(`${join('deploy', 'arc')}`))
  const valuesFiles = walk(join(deploy, 'arc'), (f) => f.endsWith('.yaml'))
  const kinds: Record<string, new (data: never) => { validate(): void }> = {
    'v1/ConfigMap': ConfigMap as never, 'v1/PersistentVolumeClaim': PersistentVolumeClaim as never, 'batch/v1/Job': Job as never, 'v1/Pod': Pod as never,
  }

  it('validate against the Kubernetes schemas', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(3)
    for (const file of manifests) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const obj = doc.toJS() as { apiVersion: string; kind: string }
        const Model = kinds[`${obj.apiVersion}/${obj.kind}`]
        expect(Model, `${relative(repo, file)}: ${obj.apiVersion}/${obj.kind} has no validator here`).toBeDefined()
        expect(() => new Model!(obj as never).validate(), relative(repo, file)).not.toThrow()
      }
    }
  })

  it('the schema validation catches a broken manifest', () => {
    const job = parseYaml(read(deploy, 'toolcache', 'fill-job.yaml'))
    job.spec.template.spec.containers[0].resources.requests.cpu = { not: 'a quantity' }
    expect(() => new Job(job).validate()).toThrow()
  })

  it('the fill Job installs from the lock into the shared claim mounted at /opt/hostedtoolcache', () => {
    const job = parseYaml(read(deploy, 'toolcache', 'fill-job.yaml'))
    const pvc = parseYaml(read(deploy, 'toolcache', 'pvc.yaml'))
    const c = job.spec.template.spec.containers[0]
    expect(c.command).toEqual(['runner', 'features', 'install', '--config', '/etc/runner-features/runner-config.yml', '--frozen'])
    expect(c.volumeMounts).toContainEqual({ name: 'toolcache', mountPath: '/opt/hostedtoolcache' })
    expect(pvc.spec.accessModes).toContain('ReadOnlyMany')
    expect(job.spec.template.spec.volumes).toContainEqual({ name: 'toolcache', persistentVolumeClaim: { claimName: pvc.metadata.name } })
    expect(job.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, fsGroup: 123 })
  })

  describe('ARC values', () => {
    const ajv = new Ajv({ allErrors: true, strict: false })
    const validate = ajv.compile(JSON.parse(read(deploy, 'arc', 'values.schema.json')))
    const load = (f: string) => parseYaml(readFileSync(f, 'utf8'))

    it.each(valuesFiles.map((f) => [relative(repo, f), f]))('%s validates against the ARC values schema and its template against the PodSpec schema', (_, file) => {
      const values = load(file)
      expect(validate(values), ajv.errorsText(validate.errors)).toBe(true)
      expect(() => new Pod({ metadata: { name: 'runner' }, spec: values.template.spec }).validate()).not.toThrow()
      const runner = values.template.spec.containers.find((c: { name: string }) => c.name === 'runner')
      expect(runner.command).toEqual(['/usr/local/bin/runner-entrypoint'])
    })

    it('the schema rejects a misnamed runner container, an unknown key and a bad container mode', () => {
      const v = load(join(deploy, 'arc', 'values-dind.yaml'))
      expect(validate({ ...v, template: { spec: { containers: [{ name: 'main', image: 'x' }] } } })).toBe(false)
      expect(validate({ ...v, minRunner: 1 })).toBe(false)
      expect(validate({ ...v, containerMode: { type: 'docker' } })).toBe(false)
      expect(validate({ ...v, containerMode: { type: 'kubernetes' } })).toBe(false)
    })

    it('covers dind and kubernetes modes, RUNNER_FEATURES, GPU and the init-container tool cache', () => {
      const all = valuesFiles.map(load)
      // dind is spelled out (no containerMode: the chart would drop the tool-cache mount; see arc-chart.test.ts)
      expect(all.map((v) => v.containerMode?.type)).toEqual(expect.arrayContaining(['kubernetes']))
      expect(all.some((v) => v.template.spec.initContainers?.some((c: { args?: string[] }) => c.args?.[0] === 'dockerd'))).toBe(true)
      const runners = all.map((v) => v.template.spec.containers.find((c: { name: string }) => c.name === 'runner'))
      expect(runners.some((r) => r.env?.some((e: { name: string }) => e.name === 'RUNNER_FEATURES'))).toBe(true)
      const gpu = all.find((v) => v.template.spec.containers[0].resources?.limits?.['nvidia.com/gpu'])
      expect(gpu?.template.spec.nodeSelector).toBeDefined()
      const init = all.find((v) => v.template.spec.initContainers?.some((c: { name: string }) => c.name === 'install-features'))
      expect(init.template.spec.volumes).toContainEqual({ name: 'toolcache', emptyDir: {} })
      expect(init.template.spec.initContainers.find((c: { name: string }) => c.name === 'install-features').volumeMounts).toContainEqual({ name: 'toolcache', mountPath: '/opt/hostedtoolcache' })
      const k8s = all.find((v) => v.containerMode?.type === 'kubernetes')
      expect(k8s.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'toolcache', mountPath: '/opt/hostedtoolcache', readOnly: true })
    })
  })
})

describe('docker-compose.yml', () => {
  const compose = parseYaml(read(repo, 'docker-compose.yml'), { merge: true })
  it('runs the runner with features and a token secret (never an env value), plus dind and server-run profiles', () => {
    const runner = compose.services.runner
    expect(runner.environment.RUNNER_FEATURES).toContain('nodejs@20')
    expect(runner.environment.RUNNER_TOKEN_FILE).toBe('/run/secrets/runner_token')
    expect(runner.environment.RUNNER_TOKEN).toBeUndefined()
    expect(runner.secrets).toEqual(['runner_token'])
    expect(runner.volumes).toEqual(expect.arrayContaining(['toolcache:/opt/hostedtoolcache', '/var/run/docker.sock:/var/run/docker.sock']))
    expect(compose.services['runner-dind'].environment.DOCKER_HOST).toBe('tcp://dind:2375')
    expect(compose.services.dind.privileged).toBe(true)
    const sr = compose.services['server-run']
    expect(sr.volumes).toContain('./images/test/fixtures/scripts:/workspace/scripts:ro')
    expect(sr.network_mode).toBe('none')
    for (const s of Object.values(compose.services) as { build?: { context: string; dockerfile: string } }[]) {
      if (s.build) expect(existsSync(join(repo, 'images', s.build.dockerfile.replace(/^images\//, '')))).toBe(true)
    }
  })
})
