import type { ExecResult, Platform } from '@runner-features/core'
import type { PmDeps, PmFs } from './deps.js'
import { display } from './runner.js'

/**
 * A recording fake of everything a backend touches (pnpm's pattern: I/O as a parameter; anything
 * unexpected throws). `log` gets one line per command (`$ …`) and per file change (`write …`,
 * `rm …`), in order, so tests compare exact sequences. Exported for the installer's tests.
 */
export interface FakeSystem {
  deps: PmDeps
  log: string[]
  files: Map<string, { data: string; mtimeMs: number; mode?: number }>
}

export interface FakeSystemOptions {
  platform?: Partial<Platform>
  uid?: number
  /** Executables on PATH (name → path); default: every name at /usr/bin/<name>. */
  onPath?: string[]
  /** Files present before the test, path → content (mtime = `now`, unless `mtimes` says otherwise). */
  files?: Record<string, string>
  mtimes?: Record<string, number>
  /** Answers commands; `display` form (`DEBIAN_FRONTEND=noninteractive apt-get …`). Default: exit 0, no output. */
  respond?: (command: string, input?: string) => Partial<ExecResult> | undefined
  /** URL → body for key downloads. */
  http?: Record<string, string>
  now?: number
}

export function fakeSystem(options: FakeSystemOptions = {}): FakeSystem {
  const now = options.now ?? 1_750_000_000_000
  const log: string[] = []
  const files = new Map<string, { data: string; mtimeMs: number; mode?: number }>()
  for (const [path, data] of Object.entries(options.files ?? {})) files.set(path, { data, mtimeMs: options.mtimes?.[path] ?? now })
  let temp = 0
  const fs: PmFs = {
    async readFile(path) {
      return files.get(path)?.data
    },
    async writeFile(path, data, mode) {
      log.push(`write ${path}${mode === undefined ? '' : ` (${mode.toString(8)})`}`)
      files.set(path, { data, mtimeMs: now, mode })
    },
    async remove(path) {
      log.push(`rm ${path}`)
      for (const key of [...files.keys()]) if (key === path || key.startsWith(`${path}/`)) files.delete(key)
    },
    async list(dir) {
      const names = new Set<string>()
      for (const key of files.keys()) if (key.startsWith(`${dir}/`)) names.add(key.slice(dir.length + 1).split('/')[0]!)
      return [...names].sort()
    },
    async mtimeMs(path) {
      return files.get(path)?.mtimeMs
    },
    async tempDir() {
      return `/tmp/fake-${++temp}`
    },
  }
  const onPath = options.onPath
  const deps: PmDeps = {
    exec: async (file, args, opts = {}) => {
      const command = display(file, args, opts.env ?? {})
      log.push(`$ ${command}`)
      return { exitCode: 0, stdout: '', stderr: '', ...options.respond?.(command, opts.input) }
    },
    fs,
    http: {
      async text(url) {
        const body = options.http?.[url]
        if (body === undefined) throw new Error(`unexpected request: ${url}`)
        return body
      },
    },
    platform: { os: 'linux', arch: 'x64', libc: 'glibc', distro: { id: 'debian', versionId: '12', idLike: [], family: 'debian', codename: 'bookworm' }, ...options.platform },
    uid: options.uid ?? 0,
    which: async (name) => (!onPath || onPath.includes(name) ? `/usr/bin/${name}` : undefined),
    now: () => now,
    staleAfterMs: 30 * 60_000,
  }
  return { deps, log, files }
}
