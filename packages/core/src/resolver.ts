import { RunnerError } from './errors.js'
import type { Schema } from './context.js'
import type { FeatureDependency } from './feature.js'
import { compareText } from './compare.js'
import { parseVersionSpec, resolveVersion, sortVersions, specCandidates, specsIntersect, type RemoteVersion, type VersionSpec } from './version-spec.js'

/**
 * The dependency resolver: pure. Requests (from the config or the command line) plus what each
 * feature declares (`dependsOn`, `installsAfter`, `options`) plus the versions upstream offers go
 * in; one version per feature id, a deterministic install order and the parallel groups come out.
 * Nothing here does I/O, so it is table-tested and `runner features resolve` can run offline.
 */

/** A feature someone asked for directly. */
export interface DependencyRequest {
  id: string
  /** The spec as written (`20`, `^1.5`); absent = the plugin's `defaultVersion`. */
  spec?: string
  /** Where it was asked for: `.github/runner-config.yml:4`, `argument`. */
  source: string
  options?: Record<string, unknown>
}

/** What the resolver needs to know about a feature: package.json metadata plus its options schema. */
export interface FeatureDeclaration {
  id: string
  /** npm package name of the plugin; dependency sources read `plugin <name>`. */
  plugin: string
  defaultVersion: string
  dependsOn?: readonly FeatureDependency[]
  installsAfter?: readonly string[]
  options?: Schema<Record<string, unknown>>
}

/** One constraint on a feature: who wants it, which versions, which options. */
export interface Requirement {
  /** The requesting feature id, or undefined for a direct request. */
  by?: string
  spec: VersionSpec
  /** `.github/runner-config.yml:4`, `argument`, `plugin @acme/greet`. */
  source: string
  options?: Record<string, unknown>
}

export interface ResolvedFeature {
  id: string
  version: RemoteVersion
  requirements: Requirement[]
  /** Options after validation, defaults applied. */
  options: Record<string, unknown>
  /** Hard dependencies (ids), sorted. */
  dependsOn: string[]
  /** Everything that must finish first: hard dependencies plus honoured `installsAfter`, sorted. */
  after: string[]
  /** 0-based parallel group. */
  level: number
}

export interface Resolution {
  /** In install order. */
  features: ResolvedFeature[]
  order: string[]
  /** Features that may install at the same time; group N+1 waits for group N's members it needs. */
  groups: string[][]
  warnings: string[]
}

export interface ResolveInput {
  requests: readonly DependencyRequest[]
  declarations: ReadonlyMap<string, FeatureDeclaration>
  /** Every version upstream offers, per id in the closure (see {@link collectRequirements}). */
  versions: ReadonlyMap<string, readonly RemoteVersion[]>
  /** Versions to keep when they still satisfy every requirement (from a lockfile). */
  preferred?: ReadonlyMap<string, string>
}

/** Who asked, for messages: `.github/runner-config.yml:4` or `greet (plugin @acme/greet)`. */
export function describeRequester(r: Requirement): string {
  return r.by ? `${r.by} (${r.source})` : r.source
}

/**
 * Every feature the requests pull in (recursively through `dependsOn`) with its requirements, in
 * id order. Throws `UNKNOWN_FEATURE` for an id no plugin declares.
 */
export function collectRequirements(requests: readonly DependencyRequest[], declarations: ReadonlyMap<string, FeatureDeclaration>): Map<string, Requirement[]> {
  const out = new Map<string, Requirement[]>()
  const declared = (id: string, where: string): FeatureDeclaration => {
    const d = declarations.get(id)
    if (d) return d
    throw new RunnerError('UNKNOWN_FEATURE', `no plugin provides the feature "${id}"`, {
      where,
      hint: `available: ${[...declarations.keys()].sort(compareText).join(', ') || 'none'}; add one with \`runner plugins install <npm name | tarball | dir>\``,
    })
  }
  const queue: string[] = []
  const add = (id: string, r: Requirement) => {
    const list = out.get(id)
    if (list) list.push(r)
    else {
      out.set(id, [r])
      queue.push(id)
    }
  }
  for (const req of requests) {
    const decl = declared(req.id, `${req.id} (${req.source})`)
    const raw = req.spec ?? decl.defaultVersion
    add(req.id, { spec: parseVersionSpec(raw, `${req.id}@${raw} (${req.source})`), source: req.source, options: req.options })
  }
  while (queue.length) {
    const id = queue.shift()!
    const decl = declared(id, id)
    const source = `plugin ${decl.plugin}`
    for (const dep of [...(decl.dependsOn ?? [])].sort((a, b) => compareText(a.id, b.id))) {
      declared(dep.id, `${dep.id}@${dep.version} (${source}, dependsOn of ${id})`)
      add(dep.id, { by: id, spec: parseVersionSpec(dep.version, `${dep.id}@${dep.version} (${source})`), source, options: dep.options })
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => compareText(a, b)))
}

/** Throws `DEPENDENCY_CYCLE` with the path `a → b → c → a` (a depends on b …) for a hard cycle. */
export function assertNoCycle(ids: readonly string[], depsOf: (id: string) => readonly string[]): void {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (id: string) => {
    if (state.get(id) === 'done') return
    if (state.get(id) === 'open') {
      const path = [...stack.slice(stack.indexOf(id)), id]
      throw new RunnerError('DEPENDENCY_CYCLE', `features depend on each other in a loop: ${path.join(' → ')}`, {
        where: path.join(' → '),
        hint: 'a feature cannot need itself; drop one dependsOn (use installsAfter for ordering only) or report it to the plugin authors',
        details: { path },
      })
    }
    state.set(id, 'open')
    stack.push(id)
    for (const dep of [...depsOf(id)].sort(compareText)) visit(dep)
    stack.pop()
    state.set(id, 'done')
  }
  for (const id of [...ids].sort(compareText)) visit(id)
}

export function resolveDependencies(input: ResolveInput): Resolution {
  const requirements = collectRequirements(input.requests, input.declarations)
  const ids = [...requirements.keys()]
  const hard = new Map(ids.map((id) => [id, [...new Set((input.declarations.get(id)!.dependsOn ?? []).map((d) => d.id))].sort(compareText)]))
  assertNoCycle(ids, (id) => hard.get(id) ?? [])

  // Ordering: hard edges, then soft ones in a fixed order, each skipped (with a warning) if it closes a loop.
  const warnings: string[] = []
  const preds = new Map(ids.map((id) => [id, new Set(hard.get(id))]))
  const pathTo = (from: string, to: string): string[] | undefined => {
    const seen = new Set<string>()
    const walk = (at: string): string[] | undefined => {
      if (at === to) return [at]
      if (seen.has(at)) return undefined
      seen.add(at)
      for (const p of [...preds.get(at)!].sort(compareText)) {
        const rest = walk(p)
        if (rest) return [at, ...rest]
      }
      return undefined
    }
    return walk(from)
  }
  for (const id of ids) {
    for (const after of [...new Set(input.declarations.get(id)!.installsAfter ?? [])].sort(compareText)) {
      if (!requirements.has(after) || after === id || preds.get(id)!.has(after)) continue
      const loop = pathTo(after, id)
      if (loop) {
        const path = [id, ...loop]
        warnings.push(`installsAfter loop ignored: ${path.join(' → ')} (${id} may install before ${after})`)
        continue
      }
      preds.get(id)!.add(after)
    }
  }

  const level = new Map<string, number>()
  const levelOf = (id: string): number => {
    const known = level.get(id)
    if (known !== undefined) return known
    const l = Math.max(-1, ...[...preds.get(id)!].map(levelOf)) + 1
    level.set(id, l)
    return l
  }
  const groups: string[][] = []
  for (const id of ids) (groups[levelOf(id)] ??= []).push(id)
  for (const g of groups) g.sort(compareText)
  const order = groups.flat()

  const features = order.map((id): ResolvedFeature => {
    const reqs = requirements.get(id)!
    const decl = input.declarations.get(id)!
    return {
      id,
      version: pickVersion(id, reqs, input.versions.get(id) ?? [], input.preferred?.get(id)),
      requirements: reqs,
      options: resolveOptions(id, reqs, decl),
      dependsOn: hard.get(id)!,
      after: [...preds.get(id)!].sort(compareText),
      level: level.get(id)!,
    }
  })
  return { features, order, groups, warnings }
}

/** Newest version every requirement accepts (the preferred one when it still qualifies). */
function pickVersion(id: string, reqs: readonly Requirement[], versions: readonly RemoteVersion[], preferred?: string): RemoteVersion {
  // Distro-package features have the single version `system`; it never mixes with semver requests.
  const systemReqs = reqs.filter((r) => r.spec.kind === 'system')
  if (systemReqs.length === reqs.length) return resolveVersion(id, reqs[0]!.spec, versions)
  if (systemReqs.length) throw conflict(id, [systemReqs[0]!, reqs.find((r) => r.spec.kind !== 'system')!], sortVersions(versions), true)
  const sorted = sortVersions(versions)
  const sets = reqs.map((r) => {
    const c = specCandidates(r.spec, sorted)
    if (c.length === 0) resolveVersion(id, r.spec, sorted) // throws VERSION_NOT_FOUND with the nearest versions
    return new Set(c.map((v) => v.version))
  })
  for (let i = 0; i < reqs.length; i++) {
    for (let j = i + 1; j < reqs.length; j++) {
      const [a, b] = [reqs[i]!, reqs[j]!]
      const disjoint = !specsIntersect(a.spec, b.spec)
      if (disjoint || ![...sets[i]!].some((v) => sets[j]!.has(v))) throw conflict(id, [a, b], sorted, disjoint)
    }
  }
  const common = sorted.filter((v) => sets.every((s) => s.has(v.version)))
  if (common.length === 0) throw conflict(id, [...reqs], sorted, false)
  return common.find((v) => v.version === preferred) ?? common[0]!
}

function conflict(id: string, reqs: readonly Requirement[], sorted: readonly RemoteVersion[], disjoint: boolean): RunnerError {
  const wants = reqs.map((r) => `${r.spec.raw} (from ${describeRequester(r)})`)
  const best = reqs.map((r) => `${r.spec.raw}: ${specCandidates(r.spec, sorted).slice(0, 3).map((v) => v.version).join(', ') || 'none'}`)
  return new RunnerError('DEPENDENCY_CONFLICT', `${id} is needed as ${wants.join(' and ')}, and ${disjoint ? 'those ranges do not overlap' : 'no release satisfies all of them'}`, {
    where: id,
    hint: `one version per feature is installed; change one of the requests so they overlap (newest matching each: ${best.join('; ')})`,
    details: { requesters: reqs.map((r) => ({ by: r.by ?? null, spec: r.spec.raw, source: r.source })) },
  })
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => compareText(a, b))) : x))

/** Merges every requester's options (a key asked with two values is a conflict) and validates them. */
function resolveOptions(id: string, reqs: readonly Requirement[], decl: FeatureDeclaration): Record<string, unknown> {
  const merged: Record<string, unknown> = {}
  const from = new Map<string, Requirement>()
  for (const r of reqs) {
    for (const [key, value] of Object.entries(r.options ?? {})) {
      const first = from.get(key)
      if (first && canonical(merged[key]) !== canonical(value)) {
        throw new RunnerError('DEPENDENCY_CONFLICT', `${id} option "${key}" is asked as ${canonical(merged[key])} (from ${describeRequester(first)}) and as ${canonical(value)} (from ${describeRequester(r)})`, {
          where: `${id} options.${key}`,
          hint: 'a feature is installed once with one set of options; make the requests agree',
          details: { requesters: [first, r].map((x) => ({ by: x.by ?? null, source: x.source, value: x === first ? merged[key] : value })) },
        })
      }
      if (!first) {
        merged[key] = value
        from.set(key, r)
      }
    }
  }
  const where = `${id} options (${[...new Set([...from.values()].map(describeRequester))].join(', ') || reqs.map(describeRequester).join(', ')})`
  if (!decl.options) {
    if (from.size === 0) return {}
    throw new RunnerError('INVALID_OPTIONS', `${id} takes no options, but ${[...from.keys()].join(', ')} ${from.size === 1 ? 'was' : 'were'} given`, { where, hint: `remove the options; see the ${decl.plugin} README` })
  }
  const parsed = decl.options.safeParse(merged)
  if (parsed.success) return parsed.data
  throw new RunnerError('INVALID_OPTIONS', `${id} options are invalid: ${describeSchemaError(parsed.error)}`, { where, hint: `see the options ${decl.plugin} declares in its README` })
}

/** `path: message; …` from a zod-like error (falls back to its message). */
function describeSchemaError(error: { message: string; issues?: { path?: PropertyKey[]; message: string }[] }): string {
  if (!Array.isArray(error.issues) || error.issues.length === 0) return error.message
  return error.issues.map((i) => `${i.path?.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`).join('; ')
}
