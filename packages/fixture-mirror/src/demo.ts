import { mkdir, symlink } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { buildOnce, cacheKey, cacheRoot } from './cache.js'
import { pluginMirror, type PluginMirror } from './plugin-mirrors.js'
import { startMirrorServer, type MirrorServer } from './server.js'

/** The features the demo installs; each mirror comes from `plugins/<id>/fixtures/mirror.ts`. */
export const DEMO_FEATURES = ['nodejs', 'terraform', 'powershell'] as const

/**
 * Older names of demo directories, kept as aliases because scripts and tests outside this package
 * name them: `hashicorp/` is the terraform mirror (releases.hashicorp.com/).
 */
const ALIASES: Record<string, string> = { hashicorp: 'terraform' }

export interface DemoMirror {
  /** Serve this: `<id>/` is feature `id`'s mirror base (`nodejs/` ≙ nodejs.org/dist/, `terraform/` ≙ releases.hashicorp.com/ …). */
  root: string
  /** Each feature's built mirror, by id. */
  mirrors: Record<string, PluginMirror>
  nodejs: PluginMirror
  /** The terraform mirror (named after its upstream host). */
  hashicorp: PluginMirror
  powershell: PluginMirror
}

/**
 * The demo features' fixture mirrors under one root (`<root>/<id>/`, plus the aliases), so one
 * server serves the demo. The subdirectories are relative symlinks to the cached mirrors. `options`
 * passes per-feature options to each `mirror(options)`.
 */
export async function buildDemoMirror(options: Record<string, Record<string, unknown>> = {}, ids: readonly string[] = DEMO_FEATURES): Promise<DemoMirror> {
  const mirrors: Record<string, PluginMirror> = {}
  for (const id of ids) mirrors[id] = await pluginMirror(id, options[id])
  const links = { ...Object.fromEntries(ids.map((id) => [id, id])), ...Object.fromEntries(Object.entries(ALIASES).filter(([, id]) => mirrors[id])) }
  const key = cacheKey(...Object.entries(links).flatMap(([name, id]) => [name, mirrors[id]!.root, mirrors[id]!.base ?? '']))
  const target = join(cacheRoot(), 'demo', `${Object.keys(mirrors).join('+')}_${key}`)
  const root = await buildOnce(target, async (tmp) => {
    await mkdir(tmp, { recursive: true })
    for (const [name, id] of Object.entries(links)) {
      const m = mirrors[id]!
      await symlink(relative(target, join(m.root, m.base ?? '')), join(tmp, name))
    }
  })
  return { root, mirrors, nodejs: mirrors.nodejs!, hashicorp: mirrors.terraform!, powershell: mirrors.powershell! }
}

/** What `serve-demo` prints: the server URL and, per feature id (and alias), the mirror base that replaces its upstream. */
export interface DemoUrls {
  url: string
  nodejs: string
  terraform: string
  powershell: string
  /** Alias of `terraform` (named after its upstream host). */
  hashicorp: string
  [idOrAlias: string]: string
}

/** Builds the demo mirror and serves it; returns the server and the URLs to hand to the product. */
export async function serveDemo(opts: { port?: number } = {}): Promise<{ server: MirrorServer; urls: DemoUrls; mirror: DemoMirror }> {
  const mirror = await buildDemoMirror()
  const server = await startMirrorServer(mirror.root, opts)
  const urls: Record<string, string> = { url: server.url }
  for (const id of Object.keys(mirror.mirrors)) urls[id] = `${server.url}${id}/`
  for (const [alias, id] of Object.entries(ALIASES)) if (mirror.mirrors[id]) urls[alias] = `${server.url}${alias}/`
  return { server, mirror, urls: urls as DemoUrls }
}
