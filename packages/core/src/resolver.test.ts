import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { RunnerError } from './errors.js'
import { collectRequirements, resolveDependencies, type DependencyRequest, type FeatureDeclaration } from './resolver.js'
import type { RemoteVersion } from './version-spec.js'

const vs = (...list: string[]): RemoteVersion[] => list.map((version) => ({ version }))
const VERSIONS = new Map<string, RemoteVersion[]>([
  ['nodejs', [...vs('18.20.4', '20.11.1', '20.20.2', '22.3.0'), { version: '20.20.2', lts: 'iron' }]],
  ['python', vs('3.10.14', '3.11.9', '3.12.4', '3.13.0')],
  ['terraform', vs('1.5.0', '1.5.7', '1.6.0')],
  ['common-utils', vs('1.0.0', '2.0.0')],
  ['aws-cli', vs('2.15.0')],
  ['pytorch', vs('2.3.0')],
  ['a', vs('1.0.0')], ['b', vs('1.0.0')], ['c', vs('1.0.0')], ['d', vs('1.0.0')],
])

const decl = (id: string, extra: Partial<FeatureDeclaration> = {}): FeatureDeclaration => ({ id, plugin: `@runner-features/${id}`, defaultVersion: 'latest', ...extra })
const catalog = (...list: FeatureDeclaration[]) => new Map(list.map((d) => [d.id, d]))
const cfg = (id: string, spec?: string, line = 1, options?: Record<string, unknown>): DependencyRequest => ({ id, spec, source: `.github/runner-config.yml:${line}`, options })

const BASE = catalog(
  decl('common-utils'),
  decl('python', { dependsOn: [{ id: 'common-utils', version: '>=1' }] }),
  decl('aws-cli', { dependsOn: [{ id: 'python', version: '>=3.10 <3.13' }, { id: 'common-utils', version: '^2' }] }),
  decl('pytorch', { dependsOn: [{ id: 'python', version: '^3.11' }] }),
  decl('nodejs', { defaultVersion: 'lts', dependsOn: [{ id: 'common-utils', version: '*' }] }),
  decl('terraform', { installsAfter: ['nodejs', 'not-requested'] }),
)

const run = (requests: DependencyRequest[], declarations = BASE, preferred?: Map<string, string>) => resolveDependencies({ requests, declarations, versions: VERSIONS, preferred })
const summary = (r: ReturnType<typeof run>) => ({ versions: Object.fromEntries(r.features.map((f) => [f.id, f.version.version])), groups: r.groups })

describe('resolution: versions, intersection, order', () => {
  test.each([
    {
      name: 'dependencies are pulled in and installed first',
      requests: [cfg('aws-cli')],
      versions: { 'aws-cli': '2.15.0', python: '3.12.4', 'common-utils': '2.0.0' },
      groups: [['common-utils'], ['python'], ['aws-cli']],
    },
    {
      name: 'compatible ranges are intersected (>=3.10 <3.13 ∩ ^3.11 ∩ user 3 → 3.12.4)',
      requests: [cfg('aws-cli'), cfg('pytorch'), cfg('python', '3', 3)],
      versions: { 'aws-cli': '2.15.0', pytorch: '2.3.0', python: '3.12.4', 'common-utils': '2.0.0' },
      groups: [['common-utils'], ['python'], ['aws-cli', 'pytorch']],
    },
    {
      name: 'independent features share a group; installsAfter orders only when both are present',
      requests: [cfg('terraform', '~1.5'), cfg('nodejs', '20')],
      versions: { terraform: '1.5.7', nodejs: '20.20.2', 'common-utils': '2.0.0' },
      groups: [['common-utils'], ['nodejs'], ['terraform']],
    },
    {
      name: 'installsAfter on an absent feature is ignored',
      requests: [cfg('terraform', '1.5.0')],
      versions: { terraform: '1.5.0' },
      groups: [['terraform']],
    },
    {
      name: 'a bare id gets the plugin default (nodejs: lts)',
      requests: [cfg('nodejs')],
      versions: { nodejs: '20.20.2', 'common-utils': '2.0.0' },
      groups: [['common-utils'], ['nodejs']],
    },
  ])('$name', ({ requests, versions, groups }) => {
    const r = run(requests)
    expect(summary(r)).toEqual({ versions, groups })
    expect(r.order).toEqual(groups.flat())
  })

  test('order is deterministic whatever order requests and declarations come in', () => {
    const requests = [cfg('terraform', '1.5.0', 1), cfg('pytorch', undefined, 2), cfg('aws-cli', undefined, 3), cfg('nodejs', '20', 4)]
    const first = run(requests)
    const reversedCatalog = new Map([...BASE.entries()].reverse())
    for (const attempt of [run([...requests].reverse()), run(requests, reversedCatalog)]) {
      expect(attempt.order).toEqual(first.order)
      expect(attempt.groups).toEqual(first.groups)
    }
    expect(first.order).toEqual(['common-utils', 'nodejs', 'python', 'aws-cli', 'pytorch', 'terraform'])
  })

  test('a preferred (locked) version is kept while it satisfies every requirement', () => {
    expect(run([cfg('nodejs', '20')], BASE, new Map([['nodejs', '20.11.1']])).features.find((f) => f.id === 'nodejs')!.version.version).toBe('20.11.1')
    expect(run([cfg('nodejs', '22')], BASE, new Map([['nodejs', '20.11.1']])).features.find((f) => f.id === 'nodejs')!.version.version).toBe('22.3.0')
  })
})

function thrown(fn: () => unknown): RunnerError {
  try {
    fn()
  } catch (err) {
    return err as RunnerError
  }
  throw new Error('expected an error')
}

describe('errors', () => {
  test.each([
    {
      name: 'disjoint ranges: both requesters, ranges and sources',
      requests: [cfg('python', '3.13', 4), cfg('aws-cli', undefined, 5)],
      code: 'DEPENDENCY_CONFLICT',
      parts: ['python is needed as', '3.13 (from .github/runner-config.yml:4)', '>=3.10 <3.13 (from aws-cli (plugin @runner-features/aws-cli))', 'do not overlap'],
    },
    {
      name: 'two plugins whose ranges overlap but no release satisfies both',
      requests: [cfg('app'), cfg('nodejs', '>=20.12 <21', 2)],
      declarations: catalog(decl('nodejs'), decl('app', { dependsOn: [{ id: 'nodejs', version: '<20.15' }] })),
      code: 'DEPENDENCY_CONFLICT',
      parts: ['no release satisfies', '>=20.12 <21 (from .github/runner-config.yml:2)', '<20.15 (from app (plugin @runner-features/app))'],
    },
    {
      name: 'dependency on a feature no plugin provides',
      requests: [cfg('x')],
      declarations: catalog(decl('x', { dependsOn: [{ id: 'missing', version: '1' }] })),
      code: 'UNKNOWN_FEATURE',
      parts: ['"missing"'],
      where: 'missing@1 (plugin @runner-features/x, dependsOn of x)',
    },
    {
      name: 'a spec nothing matches',
      requests: [cfg('terraform', '1.99', 7)],
      code: 'VERSION_NOT_FOUND',
      parts: ['no release matches'],
      where: 'terraform@1.99 (.github/runner-config.yml:7)',
    },
  ])('$name → $code', ({ requests, declarations, code, parts, where }) => {
    const e = thrown(() => run(requests, declarations ?? BASE))
    expect(e.code).toBe(code)
    for (const p of parts) expect(e.message).toContain(p)
    if (where) expect(e.where).toBe(where)
    expect(e.hint).toBeTruthy()
  })

  test.each([
    { name: 'three-node cycle', edges: { a: ['b'], b: ['c'], c: ['a'] }, request: 'a', path: 'a → b → c → a' },
    { name: 'cycle entered from outside', edges: { d: ['a'], a: ['b'], b: ['a'] }, request: 'd', path: 'a → b → a' },
    { name: 'self-dependency', edges: { a: ['a'] }, request: 'a', path: 'a → a' },
  ])('DEPENDENCY_CYCLE prints the path: $name', ({ edges, request, path }) => {
    const declarations = catalog(...['a', 'b', 'c', 'd'].map((id) => decl(id, { dependsOn: ((edges as Record<string, string[] | undefined>)[id] ?? []).map((to) => ({ id: to, version: '1' })) })))
    const e = thrown(() => run([cfg(request)], declarations))
    expect(e.code).toBe('DEPENDENCY_CYCLE')
    expect(e.message).toContain(path)
    expect(e.where).toBe(path)
  })

  test('a soft (installsAfter) cycle is a warning and the order stays deterministic', () => {
    const declarations = catalog(decl('a', { installsAfter: ['b'] }), decl('b', { installsAfter: ['c'] }), decl('c', { installsAfter: ['a'] }))
    const r = run([cfg('a'), cfg('b'), cfg('c')], declarations)
    expect(r.warnings).toEqual(['installsAfter loop ignored: c → a → b → c (c may install before a)'])
    expect(r.groups).toEqual([['c'], ['b'], ['a']])
  })

  test('a soft edge that contradicts a hard one is a warning', () => {
    const declarations = catalog(decl('a', { dependsOn: [{ id: 'b', version: '1' }] }), decl('b', { installsAfter: ['a'] }))
    const r = run([cfg('a')], declarations)
    expect(r.warnings[0]).toContain('b → a → b')
    expect(r.groups).toEqual([['b'], ['a']])
  })
})

describe('options', () => {
  const schema = z.strictObject({ flavor: z.enum(['slim', 'full']).default('slim'), pip: z.boolean().default(true) })
  const withOptions = catalog(
    decl('python', { options: schema }),
    decl('pytorch', { dependsOn: [{ id: 'python', version: '3', options: { flavor: 'full' } }] }),
    decl('aws-cli', { dependsOn: [{ id: 'python', version: '3', options: { flavor: 'slim' } }] }),
    decl('nodejs'),
  )

  test.each([
    { name: 'defaults applied', requests: [cfg('python', '3')], options: { flavor: 'slim', pip: true } },
    { name: 'config options validated', requests: [cfg('python', '3', 1, { pip: false })], options: { flavor: 'slim', pip: false } },
    { name: 'a dependent\'s options merged with the config\'s', requests: [cfg('python', '3', 1, { pip: false }), cfg('pytorch')], options: { flavor: 'full', pip: false } },
  ])('$name', ({ requests, options }) => {
    expect(run(requests, withOptions).features.find((f) => f.id === 'python')!.options).toEqual(options)
  })

  test.each([
    { name: 'wrong enum value', requests: [cfg('python', '3', 2, { flavor: 'huge' })], code: 'INVALID_OPTIONS', parts: ['flavor:'], where: 'python options (.github/runner-config.yml:2)' },
    { name: 'unknown option', requests: [cfg('python', '3', 2, { color: 'red' })], code: 'INVALID_OPTIONS', parts: ['color'] },
    { name: 'options on a feature that declares none', requests: [cfg('nodejs', '20', 3, { x: 1 })], code: 'INVALID_OPTIONS', parts: ['nodejs takes no options'] },
    { name: 'two dependents asking different values', requests: [cfg('pytorch'), cfg('aws-cli')], code: 'DEPENDENCY_CONFLICT', parts: ['option "flavor"', '"slim" (from aws-cli (plugin @runner-features/aws-cli))', '"full" (from pytorch (plugin @runner-features/pytorch))'] },
  ])('$name → $code', ({ requests, code, parts, where }) => {
    const e = thrown(() => run(requests, withOptions))
    expect(e.code).toBe(code)
    for (const p of parts) expect(e.message).toContain(p)
    if (where) expect(e.where).toBe(where)
  })
})

test('collectRequirements needs no versions: the closure comes from metadata alone', () => {
  const reqs = collectRequirements([cfg('aws-cli', undefined, 3)], BASE)
  expect([...reqs.keys()]).toEqual(['aws-cli', 'common-utils', 'python'])
  expect(reqs.get('common-utils')!.map((r) => `${r.spec.raw} ${r.source}`)).toEqual(['^2 plugin @runner-features/aws-cli', '>=1 plugin @runner-features/python'])
})
