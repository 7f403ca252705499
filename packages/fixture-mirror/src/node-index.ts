/**
 * The two listings nodejs.org/dist serves, `index.json` and `index.tab`, as nodejs-dist-indexer
 * writes them (nodejs/nodejs-dist-indexer `dist-indexer.js`): JSON is `[`, one `JSON.stringify`'d
 * entry per line, `]`; the tab file has a header row and writes every falsy value as `-`.
 * Pure functions, so they are table-tested.
 */

/** One release in nodejs.org/dist/index.json, keys in upstream order. */
export interface NodeIndexEntry {
  version: string
  date: string
  files: string[]
  npm?: string
  v8?: string
  uv?: string
  zlib?: string
  openssl?: string
  modules?: string
  lts: string | false
  security: boolean
}

/** Column order of index.tab, which is also the key order of index.json entries. */
export const TAB_COLUMNS = ['version', 'date', 'files', 'npm', 'v8', 'uv', 'zlib', 'openssl', 'modules', 'lts', 'security'] as const

const OPTIONAL_COLUMNS = ['npm', 'v8', 'uv', 'zlib', 'openssl', 'modules'] as const

/** Parses `index.tab` into index.json entries (`-` → absent; `lts` `-` → false; `security` → boolean). */
export function parseIndexTab(text: string): NodeIndexEntry[] {
  const [header, ...rows] = text.split('\n').filter((line) => line !== '')
  if (header !== TAB_COLUMNS.join('\t')) throw new Error(`index.tab: unexpected header ${JSON.stringify(header)}`)
  return rows.map((row, i) => {
    const cells = row.split('\t')
    if (cells.length !== TAB_COLUMNS.length) throw new Error(`index.tab line ${i + 2}: ${cells.length} columns, want ${TAB_COLUMNS.length}`)
    const cell = (n: number): string | undefined => (cells[n] === '-' ? undefined : cells[n])
    // Built in column order: JSON.stringify follows insertion order, so keys come out as upstream's.
    const entry: Record<string, unknown> = { version: cells[0], date: cells[1], files: (cell(2) ?? '').split(',').filter(Boolean) }
    OPTIONAL_COLUMNS.forEach((column, i) => {
      const value = cell(3 + i)
      if (value !== undefined) entry[column] = value
    })
    entry.lts = cell(9) ?? false
    entry.security = cell(10) === 'true'
    return entry as unknown as NodeIndexEntry
  })
}

/** Writes `index.tab` exactly as the indexer does (`value || '-'`). */
export function formatIndexTab(entries: readonly NodeIndexEntry[]): string {
  const row = (values: readonly unknown[]) => `${values.map((v) => (v ? String(v) : '-')).join('\t')}\n`
  return row(TAB_COLUMNS) + entries.map((e) => row(TAB_COLUMNS.map((c) => (c === 'files' ? e.files.join(',') : e[c])))).join('')
}

/** Writes `index.json` in the indexer's on-the-wire form: one entry per line. */
export function formatIndexJson(entries: readonly NodeIndexEntry[]): string {
  return `[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`
}

/** `v20.20.2` / `20.20.2` → [20, 20, 2]. */
export function versionParts(version: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version)
  if (!m) throw new Error(`"${version}" is not an exact Node version like 20.20.2`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

/** Ascending numeric order of exact versions (`20.9.0` < `20.10.0`). */
export function compareNodeVersions(a: string, b: string): number {
  const [x, y] = [versionParts(a), versionParts(b)]
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
}

/** Sort order of the upstream index: newest first. */
export function compareNewestFirst(a: NodeIndexEntry, b: NodeIndexEntry): number {
  return compareNodeVersions(b.version, a.version)
}

/**
 * The served index: the real entries plus the built ones, newest first. A real entry for a built
 * version is replaced by the built one, and real entries newer than the newest built version of the
 * same major are dropped, so `20` (and `20.x` ranges) resolve to a version the mirror really serves.
 * Other majors are kept: they model releases that exist upstream but are not mirrored (404).
 */
export function mergeIndex(real: readonly NodeIndexEntry[], built: readonly NodeIndexEntry[]): NodeIndexEntry[] {
  const newestBuilt = new Map<number, NodeIndexEntry>()
  for (const e of built) {
    const major = versionParts(e.version)[0]
    const seen = newestBuilt.get(major)
    if (!seen || compareNewestFirst(e, seen) < 0) newestBuilt.set(major, e)
  }
  const builtVersions = new Set(built.map((e) => e.version))
  const kept = real.filter((e) => {
    if (builtVersions.has(e.version)) return false
    const top = newestBuilt.get(versionParts(e.version)[0])
    return !top || compareNewestFirst(e, top) > 0
  })
  return [...kept, ...built].sort(compareNewestFirst)
}

/** `files` tokens the indexer derives from archive names (transform-filename.js), for the linux archives we build. */
export function filesToken(archiveName: string): string | undefined {
  return /^node-v[\d.]+-(linux-(?:x64|arm64))\.tar\.(?:gz|xz)$/.exec(archiveName)?.[1]
}
