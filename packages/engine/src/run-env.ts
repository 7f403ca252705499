import { discoverPlugins, type Discovery, type Env } from '@runner-features/core'

/** Paths and switches for one run, from flags and the environment (the CLI builds it: `createRuntime`). */
export interface RunEnv {
  env: Env
  uid: number
  toolCacheRoot: string
  binDir: string
  cacheDir: string
  stateFile: string
  pluginDirs: string[]
  /** The CLI's own package.json: its `oclif.plugins` names the bundled feature plugins. */
  cliPackageJson: string
}

/** Every feature plugin this run can see (package.json files only; no plugin code). */
export function discover(rt: RunEnv): Promise<Discovery> {
  return discoverPlugins({ cliPackageJson: rt.cliPackageJson, pluginDirs: rt.pluginDirs })
}
