import { execa } from 'execa'
import type { Exec, Feature, FeatureContext, Logger, NetworkPolicy, Platform } from '@runner-features/core'
import { FeatureHttp } from './http.js'

/** Process execution for plugins and smoke tests: argv arrays only, never a shell. */
export const execFile: Exec = async (file, args, options = {}) => {
  const result = await execa(file, [...args], { cwd: options.cwd, env: options.env, input: options.input, reject: false, timeout: 120_000, stripFinalNewline: false })
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') }
}

export interface ContextOptions {
  platform: Platform
  mirror?: string
  logger: Logger
  signal: AbortSignal
  cacheDir: string
  /** How long upstream indexes stay cached (0 = always fetch). */
  indexTtlMs: number
  onRequest?: (url: string) => void
  exec?: Exec
  /** Global rewrites / mirrorsOnly / offline; absent: from the environment (see `networkPolicy`). */
  network?: NetworkPolicy
}

/** Builds the context a plugin gets: the only route to network and processes. */
export function createFeatureContext(feature: Pick<Feature, 'upstream'>, options: ContextOptions): { ctx: FeatureContext; http: FeatureHttp } {
  const http = new FeatureHttp({
    upstream: feature.upstream,
    mirror: options.mirror,
    logger: options.logger,
    signal: options.signal,
    cacheDir: options.cacheDir,
    indexTtlMs: options.indexTtlMs,
    onRequest: options.onRequest,
    ...(options.network ? { network: options.network } : {}),
  })
  return { http, ctx: { platform: options.platform, http, exec: options.exec ?? execFile, logger: options.logger, signal: options.signal } }
}
