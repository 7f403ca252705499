// The ARC recipes against the real chart: every deploy/arc/values-*.yaml rendered by helm 4 (from
// the npm registry, helpers/helm.ts) with gha-runner-scale-set 0.14.2 vendored under
// fixtures/arc (actions/actions-runner-controller, tag gha-runner-scale-set-0.14.2, commit
// 9bb16ae49d0ce585d8e682aa7e2668a6e832d5d8, Apache-2.0: fixtures/arc/LICENSE). The output is
// validated against the chart's AutoscalingRunnerSet CRD and the Kubernetes core schemas; every
// values key must be one the templates read, and values.schema.json must match what they read.
// Then what the recipes promise: container jobs see the tool cache at /__t (dind and kubernetes
// mode) and the init-container recipe works on a fresh node (run for real as uid 1001 when root).
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { Ajv } from 'ajv'
import { Pod } from 'kubernetes-models/v1/Pod'
import { Secret } from 'kubernetes-models/v1/Secret'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRoot, repo, run } from './helpers/env.js'
import { ensureHelm, helmUnavailable } from './helpers/helm.js'
import { chartReads, isRead, leafKeys, schemaAllows, schemaPaths } from './helpers/chart-values.js'

const fixtures = join(repo, 'images', 'test', 'fixtures', 'arc')
const chart = join(fixtures, 'charts', 'gha-runner-scale-set')
const crdFile = join(fixtures, 'charts', 'gha-runner-scale-set-controller', 'crds', 'actions.github.com_autoscalingrunnersets.yaml')
const arcDir = join(repo, 'deploy', 'arc')
const valuesFiles = readdirSync(arcDir).filter((f) => /^values-.*\.yaml$/.test(f)).sort()
const schema = JSON.parse(readFileSync(join(arcDir, 'values.schema.json'), 'utf8'))
/** What GitOps users must set: `helm template` has no cluster to look the controller up in. */
const CONTROLLER = ['--set', 'controllerServiceAccount.name=arc-gha-rs-controller', '--set', 'controllerServiceAccount.namespace=arc-systems']
/** The image's tool cache (images/base/Dockerfile ENV RUNNER_TOOL_CACHE); the runner mounts it at /__t. */
const TOOL_CACHE = /RUNNER_TOOL_CACHE=(\S+)/.exec(readFileSync(join(repo, 'images', 'base', 'Dockerfile'), 'utf8'))![1]!

const unavailable = helmUnavailable()
if (unavailable) console.warn(`[arc-chart] helm tests SKIPPED: ${unavailable}`)

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any }
type Container = { name: string; image?: string; command?: string[]; args?: string[]; env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[]; securityContext?: any; restartPolicy?: string }
type PodSpec = { containers: Container[]; initContainers?: Container[]; volumes?: any[]; securityContext?: any }

let helm = ''
const scratch = mkdtempSync(join(tmpdir(), 'rf-arc-chart-'))
chmodSync(scratch, 0o755) // uid 1001 runs commands below it
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
beforeAll(() => { if (!unavailable) helm = ensureHelm() }, 300_000)

function helmTemplate(valuesFile: string, extra: string[] = CONTROLLER) {
  return run(helm, ['template', 'arc', chart, '-n', 'arc-runners', '--kube-version', '1.33.0', '-f', valuesFile, ...extra])
}
function render(valuesFile: string): K8sObject[] {
  const r = helmTemplate(valuesFile)
  if (r.status !== 0) throw new Error(`helm template ${relative(repo, valuesFile)}: ${r.stderr}`)
  return parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean)
}
const podSpecOf = (objs: K8sObject[]): PodSpec => objs.find((o) => o.kind === 'AutoscalingRunnerSet')!.spec.template.spec
const allContainers = (spec: PodSpec) => [...(spec.initContainers ?? []), ...spec.containers]
const mountAt = (c: Container, path: string) => c.volumeMounts?.find((m) => m.mountPath === path)
const withValues = (values: unknown) => {
  const f = join(mkdtempSync(join(scratch, 'values-')), 'values.yaml')
  writeFileSync(f, stringify(values))
  return f
}

describe('the vendored chart', () => {
  it('is gha-runner-scale-set 0.14.2 with its license and the AutoscalingRunnerSet CRD', () => {
    expect(parseYaml(readFileSync(join(chart, 'Chart.yaml'), 'utf8'))).toMatchObject({ name: 'gha-runner-scale-set', version: '0.14.2' })
    expect(readFileSync(join(fixtures, 'LICENSE'), 'utf8')).toContain('Apache License')
    expect(parseYaml(readFileSync(crdFile, 'utf8')).spec.names.kind).toBe('AutoscalingRunnerSet')
  })
})

describe.skipIf(unavailable !== undefined)('deploy/arc values rendered by helm with the real chart', () => {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false })
  const crd = parseYaml(readFileSync(crdFile, 'utf8'))
  const validateArs = ajv.compile(crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1').schema.openAPIV3Schema)
  const core: Record<string, new (data: never) => { validate(): void }> = {
    'v1/ServiceAccount': ServiceAccount as never, 'v1/Secret': Secret as never,
    'rbac.authorization.k8s.io/v1/Role': Role as never, 'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as never,
  }

  it('finds the recipes', () => {
    expect(valuesFiles).toEqual(expect.arrayContaining(['values-dind.yaml', 'values-features.yaml', 'values-gpu.yaml', 'values-kubernetes.yaml', 'values-toolcache-init.yaml']))
  })

  it('`helm template` without controllerServiceAccount stops (no cluster to look the controller up in)', () => {
    const r = helmTemplate(join(arcDir, 'values-features.yaml'), [])
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('No gha-rs-controller deployment found')
  })

  it.each(valuesFiles)('%s renders and validates against the CRD and the core schemas', (file) => {
    const objs = render(join(arcDir, file))
    const ars = objs.filter((o) => o.kind === 'AutoscalingRunnerSet')
    expect(ars).toHaveLength(1)
    expect(validateArs(ars[0]), ajv.errorsText(validateArs.errors)).toBe(true)
    expect(() => new Pod({ metadata: { name: 'runner' }, spec: ars[0]!.spec.template.spec } as never).validate()).not.toThrow()
    for (const o of objs.filter((x) => x.kind !== 'AutoscalingRunnerSet')) {
      const Model = core[`${o.apiVersion}/${o.kind}`]
      expect(Model, `${file}: ${o.apiVersion}/${o.kind} has no validator here`).toBeDefined()
      expect(() => new Model!(o as never).validate(), `${file}: ${o.kind} ${o.metadata.name}`).not.toThrow()
    }
    const runner = podSpecOf(objs).containers.find((c) => c.name === 'runner')!
    expect(runner.command).toEqual(['/usr/local/bin/runner-entrypoint'])
  })

  it('the CRD validation catches a broken AutoscalingRunnerSet', () => {
    const ars = render(join(arcDir, 'values-features.yaml')).find((o) => o.kind === 'AutoscalingRunnerSet')!
    expect(validateArs({ ...ars, spec: { ...ars.spec, maxRunners: 'ten' } })).toBe(false)
    expect(validateArs({ ...ars, spec: { ...ars.spec, template: { spec: { containers: [{ name: 'runner', ports: 'x' }] } } } })).toBe(false)
  })
})

describe('values keys against what the chart reads', () => {
  const templates = join(chart, 'templates')
  const reads = chartReads(readdirSync(templates).map((f) => readFileSync(join(templates, f), 'utf8')))
  const chartDefaults = parseYaml(readFileSync(join(chart, 'values.yaml'), 'utf8'))

  it('the template parser finds keys the chart is known to read, and not the ones it does not', () => {
    for (const k of ['containerMode.type', 'containerMode.kubernetesModeAdditionalRoleRules', 'resourceMeta.kubernetesModeServiceAccount.labels', 'labels', 'annotations', 'namespaceOverride', 'nameOverride', 'template.spec.nodeSelector', 'githubServerTLS.runnerMountPath', 'resourceMeta.ephemeralRunner.labels'])
      expect(isRead(reads, k), k).toBe(true)
    for (const k of ['containerMode.kubernetesModeServiceAccount', 'minRunner', 'template.spec2', 'containerMode.kubernetesModeWorkVolume'])
      expect(isRead(reads, k), k).toBe(false)
  })

  it.each(valuesFiles)('every key in %s is read by the chart', (file) => {
    const keys = leafKeys(parseYaml(readFileSync(join(arcDir, file), 'utf8')))
    expect(keys.filter((k) => !isRead(reads, k))).toEqual([])
  })

  it("every key of the chart's own values.yaml is read (the parser is not missing a route)", () => {
    expect(leafKeys(chartDefaults).filter((k) => !isRead(reads, k))).toEqual([])
  })

  it('values.schema.json allows every path the chart reads', () => {
    const readPaths = [...reads.paths, ...reads.whole]
    expect(readPaths.filter((p) => !schemaAllows(schema, p))).toEqual([])
  })

  it('values.schema.json declares nothing the chart does not read', () => {
    const all = [...reads.paths, ...reads.whole]
    expect(schemaPaths(schema).filter((p) => !isRead(reads, p) && !all.some((r) => r.startsWith(`${p}.`)))).toEqual([])
  })

  it('the schema accepts labels, annotations, overrides, extra role rules and resourceMeta; rejects containerMode.kubernetesModeServiceAccount', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)
    const base = parseYaml(readFileSync(join(arcDir, 'values-kubernetes.yaml'), 'utf8'))
    const accepted = [
      { labels: { team: 'ci' }, annotations: { 'example.com/owner': 'ci' } },
      { namespaceOverride: 'ci-runners', nameOverride: 'features' },
      { containerMode: { ...base.containerMode, kubernetesModeAdditionalRoleRules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } },
      { resourceMeta: { kubernetesModeServiceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/ci' } }, ephemeralRunner: { labels: { a: 'b' } } } },
      { controllerServiceAccount: { name: 'arc-gha-rs-controller', namespace: 'arc-systems' } },
    ]
    for (const extra of accepted) expect(validate({ ...base, ...extra }), `${JSON.stringify(extra)}: ${JSON.stringify(validate.errors)}`).toBe(true)
    const rejected = [
      { containerMode: { ...base.containerMode, kubernetesModeServiceAccount: { annotations: { a: 'b' } } } },
      { resourceMeta: { kubernetesModeServiceAcount: { labels: { a: 'b' } } } },
      { minRunner: 1 },
      { template: { ...base.template, metadata: { name: 'x' } } },
    ]
    for (const extra of rejected) expect(validate({ ...base, ...extra }), JSON.stringify(extra)).toBe(false)
  })
})

describe.skipIf(unavailable !== undefined)('container jobs see the tool cache at /__t', () => {
  it('dind: the daemon mounts the runner\'s tool-cache volume at the same path, filled from the image first', () => {
    const spec = podSpecOf(render(join(arcDir, 'values-dind.yaml')))
    const runner = spec.containers.find((c) => c.name === 'runner')!
    const daemon = allContainers(spec).find((c) => c.args?.[0] === 'dockerd')!
    expect(daemon, 'a dockerd container').toBeDefined()
    expect(runner.env).toContainEqual({ name: 'DOCKER_HOST', value: 'unix:///var/run/docker.sock' })
    // -v <runner path>:<container path> is resolved by dockerd: every path the runner hands it must exist there.
    for (const path of [TOOL_CACHE, '/home/runner/_work', '/home/runner/externals']) {
      const theirs = mountAt(daemon, path)
      expect(theirs, `dind mounts ${path}`).toBeDefined()
      if (path !== '/home/runner/externals') expect(mountAt(runner, path)?.name, `runner and dind share ${path}`).toBe(theirs!.name)
    }
    const volume = spec.volumes!.find((v) => v.name === mountAt(runner, TOOL_CACHE)!.name)
    expect(volume).toEqual({ name: volume.name, emptyDir: {} })
    const fill = spec.initContainers!.find((c) => c.volumeMounts?.some((m) => m.name === volume.name))!
    expect(spec.initContainers!.indexOf(fill)).toBeLessThan(spec.initContainers!.indexOf(daemon))
    expect(fill.command!.join(' ')).toContain(TOOL_CACHE)
  })

  it('dind: `containerMode: dind` would drop the tool-cache mount (why values-dind.yaml spells the layout out)', () => {
    // The natural attempt: containerMode dind plus our own `dind` container carrying the mount.
    const values = parseYaml(readFileSync(join(arcDir, 'values-dind.yaml'), 'utf8'))
    const { restartPolicy: _r, startupProbe: _p, ...ours } = values.template.spec.initContainers.find((c: Container) => c.name === 'dind')
    expect(mountAt(ours, TOOL_CACHE)).toBeDefined()
    const template = { spec: { containers: [...values.template.spec.containers, ours], volumes: values.template.spec.volumes.filter((v: { name: string }) => v.name === 'toolcache') } }
    const spec = podSpecOf((() => {
      const r = helmTemplate(withValues({ ...values, containerMode: { type: 'dind' }, template }))
      expect(r.status, r.stderr).toBe(0)
      return parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean)
    })())
    const daemons = allContainers(spec).filter((c) => c.args?.[0] === 'dockerd')
    expect(daemons).toHaveLength(1) // the chart's; ours was dropped
    expect(daemons.every((d) => !mountAt(d, TOOL_CACHE))).toBe(true)
  })

  it('kubernetes mode: the hook template adds the runner\'s tool-cache claim to the job container at /__t', () => {
    const spec = podSpecOf(render(join(arcDir, 'values-kubernetes.yaml')))
    const runner = spec.containers.find((c) => c.name === 'runner')!
    expect(runner.env).toContainEqual({ name: 'ACTIONS_RUNNER_CONTAINER_HOOKS', value: '/home/runner/k8s/index.js' })
    const templatePath = runner.env!.find((e) => e.name === 'ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE')?.value
    expect(templatePath).toBeDefined()
    const templateMount = mountAt(runner, dirname(templatePath!))!
    const configMapName = spec.volumes!.find((v) => v.name === templateMount.name).configMap.name
    const cm = parseYaml(readFileSync(join(repo, 'deploy', 'toolcache', 'hook-template.yaml'), 'utf8'))
    expect(cm).toMatchObject({ kind: 'ConfigMap', metadata: { name: configMapName } })
    const extension = parseYaml(cm.data[basename(templatePath!)])
    const runnerClaim = spec.volumes!.find((v) => v.name === mountAt(runner, TOOL_CACHE)!.name).persistentVolumeClaim.claimName

    // The job pod as runner-container-hooks 0.7.0 builds it (packages/k8s/src/hooks/prepare-job.ts,
    // k8s/utils.ts containerVolumes): only the work claim. Then its documented merge: volumes of the
    // template appended to the pod, volumeMounts of `$job` appended to the job container.
    const job: PodSpec = {
      containers: [{ name: 'job', image: 'node:20', volumeMounts: [{ name: 'work', mountPath: '/__w' }, { name: 'work', mountPath: '/__e' }] }],
      volumes: [{ name: 'work', persistentVolumeClaim: { claimName: 'arc-runner-work' } }],
    }
    const $job = extension.spec.containers.find((c: Container) => c.name === '$job')
    job.containers[0]!.volumeMounts!.push(...$job.volumeMounts)
    job.volumes!.push(...extension.spec.volumes)
    expect(() => new Pod({ metadata: { name: 'job' }, spec: job } as never).validate()).not.toThrow()
    const t = mountAt(job.containers[0]!, '/__t')!
    expect(t.readOnly).toBe(true)
    expect(job.volumes!.find((v) => v.name === t.name).persistentVolumeClaim.claimName).toBe(runnerClaim)
    expect(mountAt(job.containers[0]!, TOOL_CACHE)?.name).toBe(t.name)
  })
})

describe.skipIf(unavailable !== undefined)('the init-container recipe on a fresh node', () => {
  const spec = () => podSpecOf(render(join(arcDir, 'values-toolcache-init.yaml')))

  it('a root step with only CHOWN/FOWNER prepares the hostPath before the uid-1001 install', () => {
    const s = spec()
    const hostPath = s.volumes!.find((v) => v.hostPath)
    expect(hostPath.hostPath.type).toBe('DirectoryOrCreate')
    const users = s.initContainers!.filter((c) => c.volumeMounts?.some((m) => m.name === hostPath.name))
    const install = users.find((c) => c.command?.includes('install'))!
    const prepare = users[0]!
    expect(users.indexOf(install)).toBeGreaterThan(0)
    expect(prepare.securityContext).toMatchObject({ runAsUser: 0, capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] } })
    expect(install.securityContext?.runAsUser ?? 1001).toBe(1001)
  })

  it.skipIf(!isRoot())('run for real: uid 1001 cannot write the kubelet-made dir until the prepare step ran', () => {
    const s = spec()
    const hostPath = s.volumes!.find((v) => v.hostPath)
    const prepare = s.initContainers!.find((c) => c.volumeMounts?.some((m) => m.name === hostPath.name))!
    const mountPath = prepare.volumeMounts!.find((m) => m.name === hostPath.name)!.mountPath
    const node = mkdtempSync(join(scratch, 'node-'))
    chmodSync(node, 0o755)
    const dir = join(node, 'runner-features') // what the kubelet creates: root:root 0755
    mkdirSync(dir, { mode: 0o755 })
    const asRunner = (cmd: string[]) => run('setpriv', ['--reuid=1001', '--regid=1001', '--groups=123', ...cmd])
    const before = asRunner(['mkdir', '-p', join(dir, 'download-cache', 'index')])
    expect(before.status).not.toBe(0)
    expect(before.stderr).toContain('Permission denied')
    const caps = prepare.securityContext.capabilities.add.map((c: string) => `+${c.toLowerCase()}`).join(',')
    const cmd = prepare.command!.map((a) => a.replaceAll(mountPath, dir))
    const r = run('setpriv', ['--reuid=0', '--regid=0', '--clear-groups', `--bounding-set=-all,${caps}`, `--inh-caps=-all`, ...cmd])
    expect(r.status, r.stderr).toBe(0)
    expect(statSync(dir).uid).toBe(1001)
    const after = asRunner(['mkdir', '-p', join(dir, 'download-cache', 'index')])
    expect(after.status, after.stderr).toBe(0)
    expect(statSync(join(dir, 'download-cache')).gid).toBe(123)
  })

  it.skipIf(!isRoot())('run for real: the dind recipe\'s tool-cache copy works as uid 1001 into a root-owned emptyDir', () => {
    const dind = podSpecOf(render(join(arcDir, 'values-dind.yaml')))
    const fill = dind.initContainers!.find((c) => c.command?.join(' ').includes(TOOL_CACHE))!
    const target = fill.volumeMounts![0]!.mountPath
    const src = mkdtempSync(join(scratch, 'image-toolcache-'))
    const dst = mkdtempSync(join(scratch, 'emptydir-'))
    chmodSync(dst, 0o777) // the kubelet's emptyDir: root-owned, 0777
    mkdirSync(join(src, 'node', '20.19.0', 'x64'), { recursive: true })
    writeFileSync(join(src, 'node', '20.19.0', 'x64.complete'), '')
    mkdirSync(join(src, '.bin'))
    for (const p of [src, join(src, 'node'), join(src, 'node', '20.19.0'), join(src, 'node', '20.19.0', 'x64'), join(src, 'node', '20.19.0', 'x64.complete'), join(src, '.bin')]) chownSync(p, 1001, 123)
    chmodSync(src, 0o2775)
    const cmd = fill.command!.map((a) => a.replace(TOOL_CACHE, src).replace(target, dst))
    const r = run('setpriv', ['--reuid=1001', '--regid=1001', '--groups=123', ...cmd])
    expect(r.status, r.stderr).toBe(0)
    expect(readdirSync(dst).sort()).toEqual(['.bin', 'node'])
    expect(statSync(join(dst, 'node', '20.19.0', 'x64.complete')).uid).toBe(1001)
  })
})
