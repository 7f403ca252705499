import { mkdir, symlink } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { buildOnce, cacheRoot } from './cache.js'
import { buildNodeMirror, type BuiltMirror, type NodeMirrorOptions } from './node-mirror.js'
import { buildPowershellMirror, type PowershellMirrorOptions } from './powershell-mirror.js'
import { startMirrorServer, type MirrorServer } from './server.js'
import { buildTerraformMirror, type TerraformMirrorOptions } from './terraform-mirror.js'

export interface DemoMirror {
  /**
   * Serve this: `nodejs/` maps to nodejs.org/dist/, `hashicorp/` to releases.hashicorp.com/,
   * `powershell/` to github.com/PowerShell/PowerShell/.
   */
  root: string
  nodejs: BuiltMirror
  hashicorp: BuiltMirror
  powershell: BuiltMirror
}

/**
 * Both mirrors under one root (`<root>/nodejs/`, `<root>/hashicorp/`), so one server serves the
 * demo. The subdirectories are relative symlinks to the cached single-tool mirrors.
 */
export async function buildDemoMirror(opts: { node?: NodeMirrorOptions; terraform?: TerraformMirrorOptions; powershell?: PowershellMirrorOptions } = {}): Promise<DemoMirror> {
  const nodejs = await buildNodeMirror(opts.node)
  const hashicorp = await buildTerraformMirror(opts.terraform)
  const powershell = await buildPowershellMirror(opts.powershell)
  const target = join(cacheRoot(), 'demo', `${basename(nodejs.root)}__${basename(hashicorp.root)}__${basename(powershell.root)}`)
  const root = await buildOnce(target, async (tmp) => {
    await mkdir(tmp, { recursive: true })
    await symlink(relative(target, nodejs.root), join(tmp, 'nodejs'))
    await symlink(relative(target, hashicorp.root), join(tmp, 'hashicorp'))
    await symlink(relative(target, powershell.root), join(tmp, 'powershell'))
  })
  return { root, nodejs, hashicorp, powershell }
}

/** What `serve-demo` prints: the server URL and the upstream replacements. */
export interface DemoUrls {
  url: string
  nodejs: string
  hashicorp: string
  powershell: string
}

/** Builds the demo mirror and serves it; returns the server and the URLs to hand to the product. */
export async function serveDemo(opts: { port?: number } = {}): Promise<{ server: MirrorServer; urls: DemoUrls; mirror: DemoMirror }> {
  const mirror = await buildDemoMirror()
  const server = await startMirrorServer(mirror.root, opts)
  return { server, mirror, urls: { url: server.url, nodejs: `${server.url}nodejs/`, hashicorp: `${server.url}hashicorp/`, powershell: `${server.url}powershell/` } }
}
