import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { z } from 'zod'
import { parseByteSize, parseCount, type ConfigLimits } from './archive-limits.js'
import { RunnerError, isRunnerError } from './errors.js'
import { parseVersionSpec } from './version-spec.js'
import { mirrorRewrite, type MirrorRewrite } from './mirror-rewrites.js'
import type { DependencyRequest } from './resolver.js'

// The team config, `.github/runner-config.yml`. zod and yaml live only in this module and
// lockfile.ts, which the `features list` and no-op paths never import (core is sideEffects: false).

export const CONFIG_PATH = join('.github', 'runner-config.yml')
const ID = /^[a-z][a-z0-9-]*$/
const ID_AT_SPEC = /^[a-z][a-z0-9-]*(@\S.*)?$/

const entryObject = z.strictObject({
  id: z.string().regex(ID).describe('Feature id, e.g. nodejs'),
  version: z.string().min(1).optional().describe('Version spec: 20, 20.11.1, ^20.5, ~1.5, latest, lts, lts/iron. Default: the plugin\'s default.'),
  options: z.record(z.string(), z.unknown()).optional().describe('Options the feature\'s plugin declares (validated at resolve time).'),
})
const entry = z.union([
  z.string().regex(ID_AT_SPEC).describe('<id>[@<version spec>], e.g. nodejs@20 or terraform@1.5.0'),
  entryObject,
])

/** The config schema; `runner features schema` prints its JSON Schema (docs/runner-config.schema.json). */
export const runnerConfigSchema = z
  .strictObject({
    features: z.array(entry).optional().describe('Features to install: <id>[@<spec>] or {id, version, options}.'),
    tools: z.array(entry).optional().describe('Pinned tools: same as features, conventionally with exact versions.'),
    cache: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Keep verified downloads between runs. false: a throwaway cache per run.'),
        path: z.string().min(1).optional().describe('Download cache directory (RUNNER_FEATURES_CACHE_DIR wins).'),
      })
      .optional()
      .describe('Download cache settings.'),
    limits: z
      .strictObject({
        maxExpandedSize: z.union([z.string(), z.number()]).refine((v) => parseByteSize(v) !== undefined, 'expected a size such as 16G, 512M or a number of bytes')
          .optional().describe('Most bytes one archive may expand to (default 8G; RUNNER_FEATURES_MAX_EXPANDED_BYTES wins).'),
        maxEntries: z.union([z.string(), z.number()]).refine((v) => parseCount(v) !== undefined, 'expected a count such as 500000 or 500k')
          .optional().describe('Most entries one archive may hold (default 200k; RUNNER_FEATURES_MAX_ARCHIVE_ENTRIES wins).'),
        maxExpansionRatio: z.number().int().positive()
          .optional().describe('Most bytes written per compressed byte once past 256 MiB (default 100; RUNNER_FEATURES_MAX_EXPANSION_RATIO wins).'),
      })
      .optional()
      .describe('Archive limits: an archive past one fails with ARCHIVE_TOO_LARGE.'),
    trustedKeys: z.array(z.string().min(1)).optional()
      .describe('Armored OpenPGP public key files (relative to this file) trusted to sign checksum files, added to the plugins\' own keys: for a mirror that re-signs. See docs/trust.md.'),
    mirrors: z.record(z.string(), z.string()).optional()
      .describe('Global mirror rewrites, URL prefix → replacement (http(s)://, file:// or a directory relative to this file); first match wins, after RUNNER_FEATURES_MIRRORS. See docs/offline.md.'),
    mirrorsOnly: z.boolean().optional()
      .describe('true: never contact a host the mirror rewrites do not send to (MIRROR_REQUIRED). See docs/offline.md.'),
  })
  .describe('runner-features team config: the tools this repository\'s runners need.')

/** Keys allowed at each level, for hints on unknown keys. */
const ALLOWED: Record<string, string[]> = { root: ['features', 'tools', 'cache', 'limits', 'trustedKeys', 'mirrors', 'mirrorsOnly'], entry: ['id', 'version', 'options'], cache: ['enabled', 'path'], limits: ['maxExpandedSize', 'maxEntries', 'maxExpansionRatio'] }

export interface ConfigEntry extends DependencyRequest {
  section: 'features' | 'tools'
}

export interface RunnerConfig {
  /** Absolute path of the config file. */
  file: string
  /** As shown in messages and sources: relative to the cwd when inside it. */
  display: string
  entries: ConfigEntry[]
  cache?: { enabled: boolean; path?: string }
  /** Archive limits as written (pass to `archiveLimits(env, limits)`); `limitsWhere` is `file:line` of the key. */
  limits?: ConfigLimits
  limitsWhere?: string
  /** `trustedKeys:` as written (paths relative to `file`). */
  trustedKeys?: string[]
  /** `mirrors:` validated, in file order (directories resolved against the file's folder). */
  mirrors?: MirrorRewrite[]
  mirrorsOnly?: boolean
}

/** The JSON Schema for editors (`# yaml-language-server: $schema=…`). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(runnerConfigSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>
  return { $schema: schema.$schema, title: 'runner-features config (.github/runner-config.yml)', ...schema }
}

type Path = readonly PropertyKey[]

const pathText = (path: Path): string => path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') || '(top level)'

/** Parses and validates config text. Every error says `file:line:col`, the key and a hint. Pure. */
export function parseConfig(text: string, file: string, display = file): RunnerConfig {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset)
    return { line: p.line, col: p.col, where: `${display}:${p.line}:${p.col}` }
  }
  const syntax = doc.errors[0]
  if (syntax) {
    throw new RunnerError('CONFIG_INVALID', `not valid YAML: ${syntax.message.split('\n')[0]}`, { where: at(syntax.pos[0]).where, hint: 'fix the YAML syntax (indentation, quotes, a missing ":")' })
  }
  const value = (doc.toJS() ?? {}) as unknown
  const parsed = runnerConfigSchema.safeParse(value)
  if (!parsed.success) {
    const issue = flattenIssues(parsed.error.issues)[0]!
    throw issueError(doc, issue, at)
  }

  const entries: ConfigEntry[] = []
  const firstLine = new Map<string, number>()
  for (const section of ['features', 'tools'] as const) {
    parsed.data[section]?.forEach((raw, i) => {
      const node = nodeAt(doc, [section, i])
      const pos = at(node?.range?.[0] ?? 0)
      const source = `${display}:${pos.line}`
      const e = typeof raw === 'string' ? splitIdSpec(raw) : { id: raw.id, spec: raw.version, options: raw.options }
      if (e.spec !== undefined) {
        try {
          parseVersionSpec(e.spec, `${e.id}@${e.spec} (${source})`)
        } catch (err) {
          const specNode = typeof raw === 'string' ? node : nodeAt(doc, [section, i, 'version'])
          throw new RunnerError('CONFIG_INVALID', `${section}[${i}]: ${isRunnerError(err) ? err.message : String(err)}`, { where: at(specNode?.range?.[0] ?? 0).where, hint: isRunnerError(err) ? err.hint : undefined })
        }
      }
      const seen = firstLine.get(e.id)
      if (seen !== undefined) {
        throw new RunnerError('CONFIG_INVALID', `${section}[${i}]: ${e.id} is listed twice`, { where: pos.where, hint: `it is already listed at line ${seen}; one version per feature (merge the two entries)` })
      }
      firstLine.set(e.id, pos.line)
      entries.push({ id: e.id, spec: e.spec, options: e.options, source, section })
    })
  }
  const limitsNode = parsed.data.limits ? nodeAt(doc, ['limits']) : undefined
  const limits = parsed.data.limits ? { limits: parsed.data.limits, limitsWhere: `${at(limitsNode?.range?.[0] ?? 0).where} limits` } : {}
  const mirrors = parsed.data.mirrors
    ? Object.entries(parsed.data.mirrors).map(([prefix, replacement]) => mirrorRewrite(prefix, replacement, at(nodeAt(doc, ['mirrors', prefix])?.range?.[0] ?? 0).where, dirname(file)))
    : undefined
  return {
    file, display, entries, cache: parsed.data.cache, ...limits, ...(parsed.data.trustedKeys ? { trustedKeys: parsed.data.trustedKeys } : {}),
    ...(mirrors ? { mirrors } : {}), ...(parsed.data.mirrorsOnly !== undefined ? { mirrorsOnly: parsed.data.mirrorsOnly } : {}),
  }
}

function splitIdSpec(text: string): { id: string; spec?: string; options?: undefined } {
  const at = text.indexOf('@')
  return at === -1 ? { id: text.trim() } : { id: text.slice(0, at).trim(), spec: text.slice(at + 1).trim() }
}

interface Issue {
  code: string
  path: Path
  message: string
  keys?: string[]
  expected?: string
  format?: string
}

/** zod reports a union failure per branch; keep the branch matching the value's type. */
function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: Path = []): Issue[] {
  const out: Issue[] = []
  for (const issue of issues) {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const branches = issue.errors.map((b) => flattenIssues(b, path))
      const typed = branches.filter((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === path.length))
      if (typed[0]) out.push(...typed[0])
      else out.push({ code: 'invalid_entry', path, message: 'expected "<id>[@<spec>]" or {id, version, options}' })
      continue
    }
    out.push({ code: issue.code, path, message: issue.message, keys: 'keys' in issue ? (issue.keys as string[]) : undefined, expected: 'expected' in issue ? String(issue.expected) : undefined, format: 'format' in issue ? String(issue.format) : undefined })
  }
  return out
}

function nodeAt(doc: Document, path: Path): Node | undefined {
  const node = path.length ? doc.getIn(path as unknown[], true) : doc.contents
  return (node ?? undefined) as Node | undefined
}

function levelOf(path: Path): keyof typeof ALLOWED {
  if (path.length === 0) return 'root'
  if (path[0] === 'cache') return 'cache'
  if (path[0] === 'limits') return 'limits'
  return 'entry'
}

function issueError(doc: Document, issue: Issue, at: (offset: number) => { where: string }): RunnerError {
  // The closest node that exists (a missing key points at its parent).
  let path = issue.path
  let node = nodeAt(doc, path)
  while (!node?.range && path.length) {
    path = path.slice(0, -1)
    node = nodeAt(doc, path)
  }
  let offset = node?.range?.[0] ?? 0
  let key = pathText(issue.path)
  let message = issue.message
  let hint: string
  if (issue.code === 'unrecognized_keys') {
    const unknown = issue.keys?.[0] ?? ''
    const map = nodeAt(doc, issue.path)
    if (isMap(map)) {
      const pair = map.items.find((p) => (p.key as { value?: unknown } | null)?.value === unknown)
      offset = (pair?.key as Node | undefined)?.range?.[0] ?? offset
    }
    key = issue.path.length ? `${pathText(issue.path)}.${unknown}` : unknown
    message = `unknown key "${unknown}"`
    hint = `allowed here: ${ALLOWED[levelOf(issue.path)]!.join(', ')}; \`runner features schema\` prints the schema`
  } else if (issue.code === 'invalid_format' || (issue.code === 'invalid_string')) {
    const last = issue.path[issue.path.length - 1]
    message = last === 'id' ? 'not a feature id' : 'not "<id>[@<version spec>]"'
    hint = 'feature ids are lower-case letters, digits and dashes: nodejs@20, terraform@1.5.0, { id: nodejs, version: "20" }'
  } else if (issue.code === 'invalid_type') {
    const n = nodeAt(doc, issue.path)
    message = issue.path.length === 0 ? 'the config must be a mapping' : `expected ${issue.expected}${n === undefined ? ', but it is missing' : isSeq(n) ? ', got a list' : isMap(n) ? ', got a mapping' : ''}`
    hint = issue.path[0] === 'features' || issue.path[0] === 'tools'
      ? (issue.path.length === 1 ? 'features and tools are lists: "- nodejs@20"' : 'an entry is "<id>@<spec>" or { id, version, options }')
      : 'see `runner features schema` for the expected types'
  } else if (issue.code === 'invalid_entry') {
    hint = 'an entry is "<id>@<spec>" (nodejs@20) or { id, version, options }'
  } else {
    hint = 'see `runner features schema` and docs/config.md'
  }
  return new RunnerError('CONFIG_INVALID', `${key}: ${message}`, { where: at(offset).where, hint, details: { key, code: issue.code } })
}

/** Walks up from `cwd` looking for `.github/runner-config.yml`. */
export async function findConfig(cwd: string): Promise<string | undefined> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_PATH)
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate
    if (dirname(dir) === dir) return undefined
  }
}

/** `--config` or the upward search; `CONFIG_NOT_FOUND` when there is none. */
export async function loadConfig(cwd: string, explicit?: string): Promise<RunnerConfig> {
  const file = explicit ? resolve(cwd, explicit) : await findConfig(cwd)
  if (!file) {
    throw new RunnerError('CONFIG_NOT_FOUND', `no ${CONFIG_PATH} in ${cwd} or any parent directory`, { where: cwd, hint: `create ${CONFIG_PATH} (see docs/config.md), pass --config <file>, or name features: runner features install nodejs@20` })
  }
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new RunnerError('CONFIG_NOT_FOUND', `cannot read the config: ${err.code ?? err.message}`, { where: explicit ? `--config ${explicit}` : file, hint: 'check the path' })
  })
  return parseConfig(text, file, displayPath(file))
}

/**
 * How the config is named in messages and in the lock's sources: relative to the repository
 * (`.github/runner-config.yml`) whatever the cwd, so the lock does not change with where it is run.
 */
export function displayPath(file: string): string {
  const dir = dirname(file)
  const root = basename(dir) === '.github' ? dirname(dir) : dir
  const rel = relative(root, file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}
