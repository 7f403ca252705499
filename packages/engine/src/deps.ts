import { loadFeature, type Discovery, type Env, type Feature, type Platform, type PluginRef } from '@runner-features/core'
import { detectPlatform, installFeature, preflight } from '@runner-features/installer'
import { discover, type RunEnv } from './run-env.js'

/** Where a run writes: what a preflight checks before the first download. */
export interface PreflightTarget {
  toolCacheRoot: string
  binDir: string
  stateFile: string
  cacheDir: string
  /** False with `--no-link`: the bin dir is not written. */
  link: boolean
}

/**
 * The I/O the engine drives, as a parameter (pnpm's shape) so its unit tests run with a fake
 * installer and fake plugins. {@link defaultDeps} is the real thing.
 */
export interface EngineDeps {
  discover(rt: RunEnv): Promise<Discovery>
  detectPlatform(env: Env): Promise<Platform>
  loadFeature(ref: PluginRef): Promise<Feature>
  installFeature: typeof installFeature
  /**
   * Checks, once per run and before any download, that every place the run writes is writable
   * (the installer's preflight); throws a coded error (PERMISSION_DENIED, DISK_FULL) otherwise.
   * Not called for a dry run or a run with nothing to install, so a read-only tool cache that
   * already holds everything still answers.
   */
  preflight?(target: PreflightTarget): Promise<void>
}

export const defaultDeps: EngineDeps = { discover, detectPlatform, loadFeature, installFeature, preflight }
