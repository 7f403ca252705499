/** A unit of work that may start once every id in `after` has finished. */
export interface Schedulable {
  id: string
  after: readonly string[]
}

export interface ScheduleHooks<T extends Schedulable, R> {
  /** The work; it reports failure in its result rather than rejecting. */
  run(node: T): Promise<R>
  /** True when a result means dependants must not run. */
  failed(result: R): boolean
  /** The result for a node that did not run because `dependency` (whose result is given) failed. */
  blocked(node: T, dependency: string, result: R): R
}

/**
 * The one scheduler: runs every node at most `limit` at a time, each once everything it comes
 * after has finished; ready nodes start in the given order (dependency levels, so independent
 * features run in parallel). A node whose dependency failed is not run. Results come back in the
 * nodes' order. `after` ids that are not nodes are ignored (they are not part of this run).
 */
export function runScheduled<T extends Schedulable, R>(nodes: readonly T[], limit: number, hooks: ScheduleHooks<T, R>): Promise<R[]> {
  const ids = new Set(nodes.map((n) => n.id))
  const results = new Map<string, R>()
  const pending = [...nodes]
  let running = 0
  return new Promise((resolveAll, rejectAll) => {
    const pump = () => {
      for (let i = 0; i < pending.length && running < Math.max(1, limit); ) {
        const node = pending[i]!
        const deps = node.after.filter((a) => ids.has(a))
        if (deps.some((a) => !results.has(a))) {
          i++
          continue
        }
        pending.splice(i, 1)
        const failedDep = deps.find((a) => hooks.failed(results.get(a)!))
        if (failedDep) {
          results.set(node.id, hooks.blocked(node, failedDep, results.get(failedDep)!))
          i = 0
          continue
        }
        running++
        hooks.run(node).then((r) => {
          results.set(node.id, r)
          running--
          pump()
        }, rejectAll)
      }
      if (pending.length === 0 && running === 0) resolveAll(nodes.map((n) => results.get(n.id)!))
      // Nothing running and nothing startable: the nodes wait on each other (the resolver rules this out).
      else if (running === 0) rejectAll(new Error(`scheduler: ${pending.map((n) => n.id).join(', ')} wait on each other`))
    }
    pump()
  })
}
