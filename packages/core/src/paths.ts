import { homedir } from 'node:os'
import { join } from 'node:path'

/** Environment as a plain record so path rules are pure and table-testable. */
export type Env = Record<string, string | undefined>

/**
 * The Actions tool-cache root, resolved like the runner does: `RUNNER_TOOL_CACHE`, else
 * `AGENT_TOOLSDIRECTORY`, else `/opt/hostedtoolcache` (the hosted images' root, which python-versions
 * builds' rpath also assumes).
 */
export function toolCacheRoot(env: Env): string {
  return env.RUNNER_TOOL_CACHE || env.AGENT_TOOLSDIRECTORY || '/opt/hostedtoolcache'
}

/** Where bins are linked: flag, `RUNNER_FEATURES_BIN_DIR`, `/usr/local/bin` as root, else `~/.local/bin`. */
export function binDir(env: Env, uid: number, flag?: string): string {
  return flag || env.RUNNER_FEATURES_BIN_DIR || (uid === 0 ? '/usr/local/bin' : join(home(env), '.local', 'bin'))
}

/** Download cache: `RUNNER_FEATURES_CACHE_DIR`, else `$XDG_CACHE_HOME/runner-features`, else `~/.cache/runner-features`. */
export function cacheDir(env: Env): string {
  return env.RUNNER_FEATURES_CACHE_DIR || join(env.XDG_CACHE_HOME || join(home(env), '.cache'), 'runner-features')
}

/**
 * The installed-state manifest lives inside the tool cache it describes, so a tool cache baked
 * into an image or shared on a volume carries its own state. `@actions/tool-cache` only looks at
 * `<root>/<tool>/…`, so the dot-directory is invisible to it.
 */
export function stateFile(env: Env): string {
  return join(env.RUNNER_FEATURES_STATE_DIR || join(toolCacheRoot(env), '.runner-features'), 'state.json')
}

/**
 * Directories holding plugins installed after the CLI (`runner plugins install`). Searched in order:
 * `RUNNER_FEATURES_PLUGINS_DIR` alone when set; otherwise the user's dir then the system one
 * (`/usr/local/share/runner-features/plugins`, where image builds running as root put them).
 */
export function pluginDirs(env: Env, uid: number): string[] {
  if (env.RUNNER_FEATURES_PLUGINS_DIR) return [env.RUNNER_FEATURES_PLUGINS_DIR]
  const system = '/usr/local/share/runner-features/plugins'
  if (uid === 0) return [system]
  return [join(env.XDG_DATA_HOME || join(home(env), '.local', 'share'), 'runner-features', 'plugins'), system]
}

/** Where `runner plugins install` writes: the first plugin dir. */
export function pluginInstallDir(env: Env, uid: number): string {
  return pluginDirs(env, uid)[0]!
}

function home(env: Env): string {
  return env.HOME || homedir()
}
