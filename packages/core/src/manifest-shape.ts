/**
 * A cheap, zod-free look at a `runner.feature` block: the types of every field discovery, `list`
 * and the no-op install read from a {@link PluginRef} manifest. Loading zod costs ~40-400 ms per
 * process (more than the whole `features list` budget in docs/benchmarks.md), so discovery calls
 * this first and imports the zod schema (manifest-schema.ts) only when it says no, to produce the
 * exact `PLUGIN_INVALID` message. It may accept a manifest the schema would reject (a malformed
 * `source.repo`, say) — that one is still refused with the schema's message when the feature is
 * loaded (`loadFeature` → `manifestOf`); it must never reject one the schema accepts.
 */

type Check = (v: unknown) => boolean

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const nonEmpty: Check = (v) => typeof v === 'string' && v.length > 0
const optional = (check: Check): Check => (v) => v === undefined || check(v)
const arrayOf = (check: Check, min = 0): Check => (v) => Array.isArray(v) && v.length >= min && v.every(check)
const objectWith = (fields: Record<string, Check>): Check => (v) => isObject(v) && Object.entries(fields).every(([k, check]) => check(v[k]))

const linuxPlatform = objectWith({ os: (v) => v === 'linux', arch: arrayOf(nonEmpty, 1), libc: arrayOf(nonEmpty, 1), families: optional(arrayOf(nonEmpty, 1)), distros: optional(arrayOf(isObject, 1)) })
// Windows entries carry no libc or distro fields (the schema refuses them).
const windowsPlatform = objectWith({ os: (v) => v === 'windows', arch: arrayOf(nonEmpty, 1), libc: (v) => v === undefined, families: (v) => v === undefined, distros: (v) => v === undefined })
const platform: Check = (v) => linuxPlatform(v) || windowsPlatform(v)
const binList = arrayOf(nonEmpty, 1)
// One list, or a list per OS (at least one; the schema also wants one per OS the platforms name).
const bins: Check = (v) => binList(v) || (objectWith({ linux: optional(binList), windows: optional(binList) })(v) && Object.keys(v as object).length > 0 && Object.keys(v as object).every((k) => k === 'linux' || k === 'windows'))

const fields: Record<string, Check> = {
  id: (v) => typeof v === 'string' && /^[a-z][a-z0-9-]*$/.test(v),
  description: nonEmpty,
  toolName: nonEmpty,
  defaultVersion: nonEmpty,
  upstream: (v) => typeof v === 'string' && /^https?:\/\/.+\/$/.test(v),
  homepage: optional((v) => typeof v === 'string'),
  platforms: arrayOf(platform),
  dependsOn: optional(arrayOf(objectWith({ id: nonEmpty, version: nonEmpty, options: optional(isObject) }))),
  installsAfter: optional(arrayOf(nonEmpty)),
  bins: optional(bins),
  smokeTest: optional(objectWith({ command: arrayOf(nonEmpty, 1), expect: nonEmpty })),
  symlinks: optional(arrayOf(objectWith({ path: nonEmpty, target: nonEmpty }))),
  source: optional(objectWith({ type: (v) => v === 'github-release' || v === 'hashicorp' || v === 'index-json' || v === 'url-template' })),
  signature: optional(objectWith({ suffixes: arrayOf(nonEmpty, 1), keys: arrayOf(nonEmpty, 1) })),
}

/** True when every field the hot paths read has the type the schema requires. */
export function manifestLooksValid(value: unknown): boolean {
  return isObject(value) && Object.entries(fields).every(([k, check]) => check(value[k]))
}
