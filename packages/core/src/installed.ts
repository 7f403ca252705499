import type { InstalledRecord, InstalledState } from './state.js'
import { compareVersions, specAcceptsInstalled, type VersionSpec } from './version-spec.js'

/** The newest installed version of `id` on `arch` that satisfies `spec` without asking upstream. */
export function newestInstalled(state: InstalledState, id: string, arch: string, spec: VersionSpec): InstalledRecord | undefined {
  return state.installs
    .filter((r) => r.id === id && r.arch === arch && specAcceptsInstalled(spec, r.version))
    .sort((a, b) => compareVersions(b.version, a.version))[0]
}
