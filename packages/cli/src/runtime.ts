import { fileURLToPath } from 'node:url'
import { binDir, cacheDir, discoverPlugins, pluginDirs, stateFile, toolCacheRoot, type Discovery, type Env } from '@runner-features/core'
import type { RunEnv } from '@runner-features/engine/fast'

/** Paths and switches for one CLI run, from flags and the environment (the engine's {@link RunEnv}). */
export type Runtime = RunEnv

export interface RuntimeFlags {
  'bin-dir'?: string
}

export function createRuntime(flags: RuntimeFlags = {}, env: Env = process.env): Runtime {
  const uid = process.getuid?.() ?? 1000
  return {
    env,
    uid,
    toolCacheRoot: toolCacheRoot(env),
    binDir: binDir(env, uid, flags['bin-dir']),
    cacheDir: cacheDir(env),
    stateFile: stateFile(env),
    pluginDirs: pluginDirs(env, uid),
    cliPackageJson: fileURLToPath(new URL('../package.json', import.meta.url)),
  }
}

export function discover(rt: Runtime): Promise<Discovery> {
  return discoverPlugins({ cliPackageJson: rt.cliPackageJson, pluginDirs: rt.pluginDirs })
}
