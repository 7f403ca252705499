import { existsSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'

/**
 * The setup action that looks an install up in the tool cache, by tool-cache name (each read from
 * the action's source: the name it passes to `toolCache.find`/`cacheDir`). A tool no action reads
 * is still replayed: any other `find()` caller would see the same.
 */
export const SETUP_ACTIONS: Readonly<Record<string, string>> = {
  node: 'actions/setup-node',
  Python: 'actions/setup-python',
  go: 'actions/setup-go',
  'Java_Temurin-Hotspot_jdk': 'actions/setup-java',
  kubectl: 'azure/setup-kubectl',
  helm: 'azure/setup-helm',
}

/** One replayed lookup: where `find()` looked, and why it missed. */
export interface FindReplay {
  hit: boolean
  /** `<root>/<tool>/<clean version>/<arch>`: the only directory `find()` checks for an exact version. */
  path: string
  reason: string
}

/**
 * What `@actions/tool-cache` `find(toolName, version, arch)` (v4) answers for an exact version,
 * replayed on the file system: the spec is `semver.clean`ed (a leading `v` dropped; anything that
 * is not semver after that is never explicit, so `find()` falls back to scanning semver directory
 * names and cannot match it), then it returns `<root>/<tool>/<version>/<arch>` only when that
 * directory AND the sibling `<arch>.complete` marker exist.
 */
export function replayFind(root: string, toolName: string, version: string, arch: string): FindReplay {
  const clean = semver.clean(version)
  const path = join(root, toolName, clean ?? version, arch)
  if (!clean || !semver.valid(clean)) return { hit: false, path, reason: `the version directory "${version}" is not semver, so find() never matches it` }
  if (!existsSync(path)) return { hit: false, path, reason: `no directory ${path}` }
  if (!existsSync(`${path}.complete`)) return { hit: false, path, reason: `no ${arch}.complete marker next to ${path}: find() treats the install as unfinished` }
  return { hit: true, path, reason: 'directory and marker present' }
}
