import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join, resolve, sep } from 'node:path'

/** A read-only static server on 127.0.0.1 for a plugin's upstream layout. */
export interface FixtureMirror {
  /** `http://127.0.0.1:<port>/`: what `RUNNER_FEATURES_MIRROR_<ID>` points at. */
  url: string
  /** `GET /api/releases 200`, in arrival order (query strings dropped, as static mirrors do). */
  requests: string[]
  /** Answer `path` with `body` instead of the file (a tampered archive); `null` answers 404. */
  override(path: string, body: string | Buffer | null): void
  /** Answer `path` with a 302 to `location` (GitHub's `releases/latest/download/<asset>`). */
  redirect(path: string, location: string): void
  /** Drops every {@link FixtureMirror.override}; redirects stay. */
  clearOverrides(): void
  close(): Promise<void>
}

/** `/a/b` and `a/b` name the same path. */
const pathKey = (path: string) => `/${path.replace(/^\/+/, '')}`

/**
 * Serves `root` as a static mirror does (nginx, `python3 -m http.server`, a bucket): files only,
 * the query string ignored, 404 for anything else, nothing outside `root`. Overrides and
 * redirects answer what a directory cannot hold (a JSON listing at a directory URL, a 302) and
 * tampered bytes, without writing into `root` (often a shared, cached fixture).
 */
export async function startFixtureMirror(root: string): Promise<FixtureMirror> {
  const base = resolve(root)
  const requests: string[] = []
  const overrides = new Map<string, Buffer | null>()
  const redirects = new Map<string, string>()
  const server = createServer((req, res) => {
    const raw = (req.url ?? '/').split('?', 1)[0]!
    let path: string | undefined
    try {
      path = decodeURIComponent(raw)
    } catch {
      // A malformed escape is the client's fault (400 below), never a crash of the test process.
    }
    if (path === undefined) {
      requests.push(`${req.method} ${raw} 400`)
      return void res.writeHead(400, { 'content-length': 0 }).end()
    }
    const file = resolve(base, `.${path}`)
    const answer = (status: number, body: Buffer = Buffer.alloc(0), headers: Record<string, string> = {}) => {
      requests.push(`${req.method} ${path} ${status}`)
      res.writeHead(status, { ...headers, 'content-length': body.length }).end(body)
    }
    const location = redirects.get(path)
    if (location !== undefined) return answer(302, undefined, { location })
    if (overrides.has(path)) {
      const body = overrides.get(path)
      return body ? answer(200, body) : answer(404)
    }
    if (file !== base && !file.startsWith(base + sep)) return answer(403)
    stat(file).then((info) => {
      if (!info.isFile()) return answer(404)
      requests.push(`${req.method} ${path} 200`)
      res.writeHead(200, { 'content-length': info.size })
      createReadStream(file).pipe(res)
    }, () => answer(404))
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    override: (path, body) => void overrides.set(pathKey(path), body === null ? null : Buffer.from(body)),
    redirect: (path, location) => void redirects.set(pathKey(path), location),
    clearOverrides: () => overrides.clear(),
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections()
      server.close(() => ok())
    }),
  }
}

export const sha256Hex = (bytes: string | Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** One release of a {@link writeGithubReleaseMirror}: its tag and its assets (name → bytes). */
export interface MirrorRelease {
  tag: string
  assets: Record<string, string | Buffer>
  prerelease?: boolean
  publishedAt?: string
}

/**
 * Writes the layout a `github-release` source reads from a mirror: `api/releases` (the REST API's
 * list of releases, what `https://api.github.com/repos/<repo>/releases?per_page=100&page=N`
 * returns; a static file answers every page, and the source stops at a page with no new tag) and
 * `releases/download/<tag>/<asset>` for every asset. `listing` replaces the generated API JSON
 * (e.g. a trimmed real response). Assets are written executable (a stand-in binary must run).
 */
export async function writeGithubReleaseMirror(root: string, releases: MirrorRelease[], listing?: unknown): Promise<void> {
  const json = listing ?? releases.map((r, i) => ({
    id: 1000 + i,
    tag_name: r.tag,
    name: r.tag,
    draft: false,
    prerelease: r.prerelease ?? false,
    published_at: r.publishedAt ?? '2024-01-01T00:00:00Z',
    assets: Object.keys(r.assets).map((name) => ({ name })),
  }))
  await mkdir(join(root, 'api'), { recursive: true })
  await writeFile(join(root, 'api', 'releases'), JSON.stringify(json, null, 2))
  for (const r of releases) {
    for (const [name, bytes] of Object.entries(r.assets)) {
      const file = join(root, 'releases', 'download', r.tag, name)
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, bytes)
      await chmod(file, 0o755)
    }
  }
}
