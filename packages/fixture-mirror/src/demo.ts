import { mkdir, symlink } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { buildOnce, cacheRoot } from './cache.js'
import { buildNodeMirror, type BuiltMirror, type NodeMirrorOptions } from './node-mirror.js'
import { startMirrorServer, type MirrorServer } from './server.js'
import { buildTerraformMirror, type TerraformMirrorOptions } from './terraform-mirror.js'

export interface DemoMirror {
  /** Serve this: `nodejs/` maps to nodejs.org/dist/, `hashicorp/` to releases.hashicorp.com/. */
  root: string
  nodejs: BuiltMirror
  hashicorp: BuiltMirror
}

/**
 * Both mirrors under one root (`<root>/nodejs/`, `<root>/hashicorp/`), so one server serves the
 * demo. The subdirectories are relative symlinks to the cached single-tool mirrors.
 */
export async function buildDemoMirror(opts: { node?: NodeMirrorOptions; terraform?: TerraformMirrorOptions } = {}): Promise<DemoMirror> {
  const nodejs = await buildNodeMirror(opts.node)
  const hashicorp = await buildTerraformMirror(opts.terraform)
  const target = join(cacheRoot(), 'demo', `${basename(nodejs.root)}__${basename(hashicorp.root)}`)
  const root = await buildOnce(target, async (tmp) => {
    await mkdir(tmp, { recursive: true })
    await symlink(relative(target, nodejs.root), join(tmp, 'nodejs'))
    await symlink(relative(target, hashicorp.root), join(tmp, 'hashicorp'))
  })
  return { root, nodejs, hashicorp }
}

/** What `serve-demo` prints: the server URL and the two upstream replacements. */
export interface DemoUrls {
  url: string
  nodejs: string
  hashicorp: string
}

/** Builds the demo mirror and serves it; returns the server and the URLs to hand to the product. */
export async function serveDemo(opts: { port?: number } = {}): Promise<{ server: MirrorServer; urls: DemoUrls; mirror: DemoMirror }> {
  const mirror = await buildDemoMirror()
  const server = await startMirrorServer(mirror.root, opts)
  return { server, mirror, urls: { url: server.url, nodejs: `${server.url}nodejs/`, hashicorp: `${server.url}hashicorp/` } }
}
