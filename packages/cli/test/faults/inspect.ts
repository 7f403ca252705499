import { createHash } from 'node:crypto'
import { lstat, readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { Box, Run } from './box.js'

/** How a run ended, as a user reads it. */
export interface Outcome {
  kind: 'success' | 'coded-error' | 'crash'
  /** The error code of `error CODE: …` (coded errors). */
  code?: string
  /** Why it is not a clean success or a clean coded error; empty when it is one. */
  problems: string[]
}

/** Text that must never reach a user: stack frames, Node's own crash reports. */
const CRASH_SIGNS: Array<[RegExp, string]> = [
  [/^\s+at .+(\(.+:\d+:\d+\)|:\d+:\d+)$/m, 'stack trace'],
  [/unsettled top-level await/i, '"unsettled top-level await"'],
  [/AssertionError|assert\(!this\.paused\)/, 'AssertionError'],
  [/^node:internal/m, 'node:internal crash report'],
  [/^Node\.js v\d+/m, 'Node crash banner'],
]

/**
 * Classifies a finished run: exit 0 and no error line is a success; exit 1 with
 * `error CODE: <where>: <what>` and an indented `hint:` line (docs/errors.md) is a coded error;
 * anything else (another exit code, a signal, a hang, a stack trace) is a crash.
 */
export function outcomeOf(run: Run): Outcome {
  const text = `${run.stdout}\n${run.stderr}`
  const problems: string[] = []
  for (const [re, what] of CRASH_SIGNS) if (re.test(text)) problems.push(`output contains a ${what}`)
  if (run.timedOut) problems.push('the run hung and was killed by the harness')
  const code = /^error ([A-Z][A-Z0-9_]+): \S.*$/m.exec(run.stderr)?.[1]
  if (run.exitCode === 0 && !code && !run.timedOut) return { kind: 'success', problems }
  if (run.exitCode === 1 && code) {
    if (!/^\s+hint: \S/m.test(run.stderr)) problems.push(`error ${code} has no hint: line`)
    return { kind: 'coded-error', code, problems }
  }
  problems.push(`exit ${run.exitCode}${run.signal ? ` (${run.signal})` : ''}${code ? ` with error ${code}` : ' without a coded error line'}`)
  return { kind: 'crash', code, problems }
}

/** Everything under `dir` (files and dirs, not following symlinks), as absolute paths. */
async function walk(dir: string, skip: (path: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = []
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names) {
    const path = join(dir, name)
    if (skip(path)) continue
    out.push(path)
    const info = await lstat(path).catch(() => undefined)
    if (info?.isDirectory()) out.push(...(await walk(path, skip)))
  }
  return out
}

interface StateRecord { toolName: string; version: string; arch: string; path: string }

async function stateRecords(box: Box): Promise<StateRecord[]> {
  try {
    const state = JSON.parse(await readFile(join(box.stateDir, 'state.json'), 'utf8')) as { installs?: StateRecord[] }
    return state.installs ?? []
  } catch {
    return []
  }
}

/** Names a failed or killed install may leave behind (the product must remove or sweep them). */
const TEMP_NAME = /(^\.staging|\.tmp$|\.tmp-|\.lock$|\.break$|\.partial$|\.part$|\.runner-features-\d+$|^\.incomplete)/

/**
 * What an install left that it should not have: staging dirs, lock files, temp files, partial
 * downloads, empty version dirs, a `<arch>.complete` marker (or install dir) the state manifest does
 * not record, a state record whose install is gone, a cached download whose bytes do not match its
 * name, a dangling link in the bin dir. Paths are relative to the box.
 */
export async function leftovers(box: Box): Promise<string[]> {
  const found: string[] = []
  const rel = (p: string) => relative(box.dir, p)
  const records = await stateRecords(box)
  const recorded = new Set(records.map((r) => join(box.toolCache, r.toolName, r.version, r.arch)))
  for (const tool of await readdir(box.toolCache).catch(() => [] as string[])) {
    const toolDir = join(box.toolCache, tool)
    if (!(await lstat(toolDir)).isDirectory()) continue
    if (tool === '.runner-features') continue
    for (const version of await readdir(toolDir).catch(() => [] as string[])) {
      const versionDir = join(toolDir, version)
      const names = await readdir(versionDir).catch(() => [] as string[])
      if (!names.length) found.push(`${rel(versionDir)}/ (empty version dir)`)
      for (const name of names) {
        const path = join(versionDir, name)
        if (TEMP_NAME.test(name)) found.push(`${rel(path)} (temp/lock/staging)`)
        else if (name.endsWith('.complete')) {
          const installDir = path.slice(0, -'.complete'.length)
          if (!names.includes(name.slice(0, -'.complete'.length))) found.push(`${rel(path)} (marker without install dir)`)
          else if (!recorded.has(installDir)) found.push(`${rel(path)} (marker the state manifest does not record)`)
        } else if (!names.includes(`${name}.complete`)) found.push(`${rel(path)} (install dir without marker)`)
      }
    }
  }
  for (const path of await walk(box.stateDir)) if (TEMP_NAME.test(path.split('/').pop()!) || /state\.json\..+/.test(path)) found.push(`${rel(path)} (state lock/temp)`)
  for (const r of records) {
    if (!(await stat(join(box.toolCache, r.toolName, r.version, `${r.arch}.complete`)).catch(() => undefined))) found.push(`state record ${r.toolName}@${r.version} ${r.arch} without a complete install`)
  }
  for (const path of await walk(box.cacheDir)) {
    const name = path.split('/').pop()!
    const info = await lstat(path)
    if (info.isFile() && (path.includes('/downloads/tmp/') || path.includes('/store/tmp/') || TEMP_NAME.test(name))) found.push(`${rel(path)} (partial download / cache temp)`)
    else if (info.isFile() && path.includes('/downloads/sha256/')) {
      const actual = createHash('sha256').update(await readFile(path)).digest('hex')
      if (actual !== name) found.push(`${rel(path)} (cached bytes do not match their sha256)`)
    }
  }
  for (const path of await walk(box.binDir)) {
    const name = path.split('/').pop()!
    if (TEMP_NAME.test(name)) found.push(`${rel(path)} (temp link)`)
    else if (!(await stat(path).catch(() => undefined))) found.push(`${rel(path)} (dangling link)`)
  }
  return found
}

/**
 * Where any of `secrets` shows up: in the run outputs, or in any file under the box (except the
 * installed tools' own files and cached archives, which are upstream bytes).
 */
export async function leaks(box: Box, secrets: string[], outputs: Run[]): Promise<string[]> {
  const needles = secrets.filter(Boolean).map((s) => Buffer.from(s))
  const found: string[] = []
  outputs.forEach((run, i) => {
    for (const n of needles) if (`${run.stdout}\n${run.stderr}`.includes(n.toString())) found.push(`output of run ${i + 1} holds "${n}"`)
  })
  const isUpstreamBytes = (p: string) => p.includes('/downloads/sha256/') || /\/toolcache\/(?!\.runner-features)[^/]+\/[^/]+\/[^/.]+(\/|$)/.test(p)
  for (const path of await walk(box.dir, isUpstreamBytes)) {
    const info = await lstat(path).catch(() => undefined)
    if (!info?.isFile()) continue
    const bytes = await readFile(path).catch(() => Buffer.alloc(0))
    for (const n of needles) if (bytes.includes(n)) found.push(`${relative(box.dir, path)} holds "${n}"`)
  }
  return found
}
