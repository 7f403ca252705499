// Which values a Helm chart reads, taken from its templates: `.Values.a.b` references, variables
// assigned from them (`$containerMode := .Values.containerMode` … `$containerMode.type`,
// `index $resourceMeta "ephemeralRunner"`), and `with .Values.x` blocks whose body reads `.y`.
// A path is read "whole" when the template hands it on as a unit (toYaml, range, `include … .`),
// so any key below it counts as read. Go-template parsing is kept to what the ARC chart uses;
// the tests check the result against keys the chart is known to read and not to read.

/** What a chart's templates read from `.Values`. */
export interface ChartReads {
  /** Every dotted path referenced, e.g. `containerMode.type`. */
  paths: Set<string>
  /** Paths consumed as a unit: every key below them is read. */
  whole: Set<string>
}

const BUILTINS = /^(Values|Release|Chart|Capabilities|Template|Files)\b/

/** Parses template sources (contents of templates/*.yaml and *.tpl). */
export function chartReads(sources: string[]): ChartReads {
  const paths = new Set<string>()
  const whole = new Set<string>()
  for (const src of sources) {
    const stack: (string | null)[] = [null] // the value of `.` per block, when it is a Values path
    const aliases = new Map<string, string>()
    for (const m of src.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
      const action = m[1]!.trim()
      if (action.startsWith('/*')) continue
      const keyword = action.split(/\s+/)[0]!
      if (keyword === 'end') {
        if (stack.length > 1) stack.pop()
        continue
      }
      const dot = stack[stack.length - 1]!
      const refs: string[] = []
      for (const r of action.matchAll(/\.Values((?:\.\w+)+)/g)) refs.push(r[1]!.slice(1))
      for (const r of action.matchAll(/index \$(\w+) "(\w+)"/g)) if (aliases.has(r[1]!)) refs.push(`${aliases.get(r[1]!)}.${r[2]}`)
      for (const r of action.matchAll(/\$(\w+)((?:\.\w+)+)/g)) if (aliases.has(r[1]!)) refs.push(aliases.get(r[1]!) + r[2]!)
      let bareDot = false
      if (dot !== null) {
        for (const r of action.matchAll(/(?<![\w$)\].])\.(\w+(?:\.\w+)*)/g)) if (!BUILTINS.test(r[1]!)) refs.push(`${dot}.${r[1]}`)
        bareDot = /(?<![\w$)\].])\.(?![\w.])/.test(action)
      }
      for (const r of refs) paths.add(r)
      if (bareDot) whole.add(dot!)
      if (keyword === 'range' || /\btoYaml\b|\btoJson\b/.test(action)) for (const r of refs) whole.add(r)
      const assign = /^\$(\w+)\s*:=/.exec(action)
      if (assign && refs[0] !== undefined) aliases.set(assign[1]!, refs[0])
      if (keyword === 'with') stack.push(refs[0] ?? null)
      else if (keyword === 'range' || keyword === 'define' || keyword === 'block') stack.push(null)
      else if (keyword === 'if') stack.push(dot)
    }
  }
  return { paths, whole }
}

/** True when the chart reads `key` (a dotted path) or something it is part of as a whole. */
export function isRead(reads: ChartReads, key: string): boolean {
  if (reads.paths.has(key)) return true
  for (const w of reads.whole) if (key === w || key.startsWith(`${w}.`)) return true
  return false
}

/** Dotted paths of the leaves of a values document (arrays and scalars are leaves). */
export function leafKeys(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) return prefix ? [prefix] : []
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k))
}

type Schema = { $ref?: string; properties?: Record<string, Schema>; additionalProperties?: boolean | Schema }

/** Whether a JSON schema lets an object hold `path` (it declares it, or does not close the object). */
export function schemaAllows(root: Schema & { definitions?: Record<string, Schema> }, path: string): boolean {
  let node: Schema = root
  for (const seg of path.split('.')) {
    if (node.$ref) node = root.definitions![node.$ref.replace('#/definitions/', '')]!
    if (node.properties?.[seg]) node = node.properties[seg]!
    else return node.properties === undefined || node.additionalProperties !== false
  }
  return true
}

/** Dotted paths of every property a JSON schema declares (following $ref into definitions). */
export function schemaPaths(root: Schema & { definitions?: Record<string, Schema> }, node: Schema = root, prefix = ''): string[] {
  const resolved = node.$ref ? root.definitions![node.$ref.replace('#/definitions/', '')]! : node
  return Object.entries(resolved.properties ?? {}).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k
    return [p, ...schemaPaths(root, v, p)]
  })
}
