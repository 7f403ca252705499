import { parseVersionSpec, type DependencyRequest, type Requirement } from '@runner-features/core'

/**
 * Arguments that name one feature more than once (`terraform@1.5.0 terraform@1.6.0`), split for
 * planning. The tool cache holds many versions of a tool by design, so each request is a plan line
 * of its own. The request named LAST is the feature's primary: it goes through the dependency
 * resolver with everything else, so `dependsOn` requirements on that feature join it, dependants
 * rely on it, and it is installed (and linked) last. The earlier ones are extras: each resolves
 * on its own spec.
 */
export interface RepeatedRequests {
  /** One request per feature id (its last), in the order the ids first appear. */
  primaries: DependencyRequest[]
  /** Per id, the earlier requests as requirements, in the order given. */
  extras: Map<string, Requirement[]>
}

/** Splits `requests` (already validated, `spec` set) into primaries and extras, see {@link RepeatedRequests}. */
export function splitRepeats(requests: readonly DependencyRequest[]): RepeatedRequests {
  const last = new Map(requests.map((r) => [r.id, r]))
  const primaries = [...new Set(requests.map((r) => r.id))].map((id) => last.get(id)!)
  const extras = new Map<string, Requirement[]>()
  for (const r of requests) {
    if (r === last.get(r.id)) continue
    const raw = r.spec!
    const list = extras.get(r.id) ?? []
    // Parsed as the resolver parses a request, so errors read the same for every request.
    list.push({ spec: parseVersionSpec(raw, `${r.id}@${raw} (${r.source})`), source: r.source })
    extras.set(r.id, list)
  }
  return { primaries, extras }
}
