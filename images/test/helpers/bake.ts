// docker-bake.hcl read the way `docker buildx bake --print` would resolve it, without buildx (this
// repository's CI has no buildx plugin): the HCL is parsed by @cdktn/hcl2json (hcl2json, the Go
// HCL library compiled to wasm), then variables, `inherits` and named contexts are resolved here.
import { parse } from '@cdktn/hcl2json'

/** One target after inheritance, with `${VAR}` replaced by each variable's default. */
export interface BakeTarget {
  name: string
  context?: string
  dockerfile?: string
  platforms?: string[]
  args: Record<string, string>
  contexts: Record<string, string>
  tags: string[]
}

export interface Bake {
  variables: Record<string, string>
  groups: Record<string, string[]>
  targets: Record<string, BakeTarget>
}

type Block = Record<string, unknown>
/** hcl2json gives every labelled block as a list (one element per occurrence). */
type Labelled = Record<string, Block[]>

/**
 * Parses and resolves a bake file. Throws on HCL syntax errors, an unknown variable, an unknown
 * inherited target or an inheritance cycle (buildx fails on all of these too).
 */
export async function loadBake(source: string, filename = 'docker-bake.hcl'): Promise<Bake> {
  const hcl = (await parse(filename, source)) as { variable?: Labelled; group?: Labelled; target?: Labelled }
  const variables: Record<string, string> = {}
  for (const [name, [v]] of Object.entries(hcl.variable ?? {})) variables[name] = String(v?.default ?? '')
  // hcl2json leaves expressions as "${…}" template strings; bake's files here only use plain variable references.
  const subst = (s: string) => s.replace(/\$\{([^}]*)\}/g, (_, ref: string) => {
    if (!(ref in variables)) throw new Error(`${filename}: \${${ref}} is not a declared variable (only plain variable references are resolved here)`)
    return variables[ref]!
  })
  const strings = (v: unknown) => (Array.isArray(v) ? v.map((x) => subst(String(x))) : undefined)
  const map = (v: unknown) => Object.fromEntries(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => [k, subst(String(x))]))

  const raw = hcl.target ?? {}
  const targets: Record<string, BakeTarget> = {}
  const resolve = (name: string, seen: string[]): BakeTarget => {
    if (targets[name]) return targets[name]
    if (seen.includes(name)) throw new Error(`${filename}: inheritance cycle ${[...seen, name].join(' → ')}`)
    const blocks = raw[name]
    if (!blocks) throw new Error(`${filename}: target "${name}" is not defined`)
    const out: BakeTarget = { name, args: {}, contexts: {}, tags: [] }
    // Parents first, in order, then the target's own attributes: maps merge key by key, the rest is replaced (bake's rules).
    for (const block of blocks) {
      for (const parent of strings(block.inherits) ?? []) {
        const p = resolve(parent, [...seen, name])
        Object.assign(out.args, p.args)
        Object.assign(out.contexts, p.contexts)
        for (const k of ['context', 'dockerfile', 'platforms', 'tags'] as const) if (p[k] !== undefined) (out as unknown as Block)[k] = p[k]
      }
    }
    for (const block of blocks) {
      if (typeof block.context === 'string') out.context = subst(block.context)
      if (typeof block.dockerfile === 'string') out.dockerfile = subst(block.dockerfile)
      out.platforms = strings(block.platforms) ?? out.platforms
      out.tags = strings(block.tags) ?? out.tags
      Object.assign(out.args, map(block.args))
      Object.assign(out.contexts, map(block.contexts))
    }
    targets[name] = out
    return out
  }
  for (const name of Object.keys(raw)) resolve(name, [])

  const groups: Record<string, string[]> = {}
  for (const [name, [g]] of Object.entries(hcl.group ?? {})) groups[name] = strings(g?.targets) ?? []
  return { variables, groups, targets }
}

/**
 * The ARGs a Dockerfile declares (global ones before the first FROM included) with their defaults
 * ('' when none). `ARG A=1 B` declares A and B. A build arg that no ARG declares is never used.
 */
export function dockerfileArgs(dockerfile: string): Map<string, string> {
  const declared = new Map<string, string>()
  for (const line of dockerfile.split('\n')) {
    const m = /^\s*ARG\s+(.+)$/i.exec(line)
    if (!m) continue
    for (const word of m[1]!.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []) {
      const eq = word.indexOf('=')
      const name = eq < 0 ? word : word.slice(0, eq)
      if (!declared.has(name)) declared.set(name, eq < 0 ? '' : word.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2'))
    }
  }
  return declared
}
