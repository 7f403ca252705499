import type { z as Zod } from 'zod'
import type { FeatureManifest } from './feature.js'

/** What {@link manifestParser} returns: the schema and a parse that names each problem's field. */
export interface ManifestParser {
  schema: Zod.ZodType
  /** The manifest, or the problems that make it unusable (each naming its field). */
  parse(value: unknown): { manifest: FeatureManifest } | { problems: string[] }
}

/**
 * The manifest schema built on the zod module it is given. Why a function: zod costs ~40-400 ms to
 * load, and discovery (on the `features list` / no-op install hot paths) must import it only when
 * a manifest fails the cheap check in manifest-shape.ts. A bundler hoists a static `import 'zod'`
 * even out of a lazily imported module, so discovery passes `await import('zod')` here instead;
 * manifest-schema.ts passes the statically imported zod for everyone else.
 */
export function manifestParser(z: typeof Zod): ManifestParser {
  /**
   * The `runner.feature` block of a plugin's package.json, validated before anything trusts it: a
   * manifest whose `platforms` is a string (say) must disable that one plugin with a message naming
   * the field, not fail later as `platforms.some is not a function` for every command.
   */
  const arch = z.enum(['x64', 'arm64'])
  const libc = z.enum(['glibc', 'musl'])
  const family = z.enum(['debian', 'rhel', 'alpine', 'arch', 'suse', 'unknown'])
  const archive = z.enum(['tar.gz', 'tar.xz', 'zip', 'file'])
  const nonEmpty = z.string().min(1)

  const linuxSupport = z.strictObject({
    os: z.literal('linux'),
    arch: z.array(arch).min(1),
    libc: z.array(libc).min(1),
    families: z.array(family).min(1).optional(),
    distros: z.array(z.strictObject({ family, id: nonEmpty.optional(), versions: nonEmpty.optional() })).min(1).optional(),
  })
  // Windows has no libc split and no distro families: a strict object refuses them, so an author
  // who copies a Linux entry learns that they mean nothing there.
  const windowsSupport = z.strictObject({ os: z.literal('windows'), arch: z.array(arch).min(1) })
  const platformSupport = z.discriminatedUnion('os', [linuxSupport, windowsSupport])

  const binList = z.array(nonEmpty).min(1)
  // One list for every OS, or a list per OS (nodejs: `bin/node` on Linux, `node.exe` on Windows).
  const bins = z.union([binList, z.strictObject({ linux: binList.optional(), windows: binList.optional() }).refine((b) => b.linux || b.windows, 'must name the bins of at least one OS (linux, windows)')])

  const os = z.enum(['linux', 'windows'])
  const vocabulary = {
    os: z.partialRecord(os, z.string()).optional(),
    arch: z.partialRecord(arch, z.string()).optional(),
    libc: z.partialRecord(libc, z.string()).optional(),
  }

  const githubRelease = z.strictObject({
    type: z.literal('github-release'),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name'),
    tag: z.string().includes('{version}', { message: 'must contain {version}' }).optional(),
    asset: nonEmpty,
    archive: archive.optional(),
    strip: z.int().min(0).optional(),
    checksums: z.strictObject({ asset: nonEmpty, hashOrder: nonEmpty.optional() }),
    skipPrereleases: z.boolean().optional(),
    ...vocabulary,
  })

  const hashicorp = z.strictObject({
    type: z.literal('hashicorp'),
    product: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a HashiCorp product name like terraform'),
    arch: z.partialRecord(arch, z.string()).optional(),
  })

  const urlTemplate = z.strictObject({
    type: z.enum(['index-json', 'url-template']),
    versions: z.strictObject({ url: nonEmpty, format: z.enum(['json', 'lines']).optional(), path: nonEmpty.optional(), field: nonEmpty.optional(), prefix: z.string().optional() }),
    artifact: nonEmpty,
    checksums: nonEmpty,
    archive: archive.optional(),
    strip: z.int().min(0).optional(),
    ...vocabulary,
  })

  const smokeTest = z.strictObject({ command: z.array(nonEmpty).min(1), expect: nonEmpty })

  const featureManifestSchema = z.looseObject({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    description: nonEmpty,
    toolName: nonEmpty,
    defaultVersion: nonEmpty,
    upstream: z.string().regex(/^https?:\/\/.+\/$/, 'must be an http(s) URL ending in /'),
    homepage: z.string().optional(),
    platforms: z.array(platformSupport),
    dependsOn: z.array(z.strictObject({ id: nonEmpty, version: nonEmpty, options: z.record(z.string(), z.unknown()).optional() })).optional(),
    installsAfter: z.array(nonEmpty).optional(),
    bins: bins.optional(),
    smokeTest: smokeTest.optional(),
    symlinks: z.array(z.strictObject({ path: nonEmpty, target: nonEmpty })).optional(),
    source: z.discriminatedUnion('type', [githubRelease, hashicorp, urlTemplate]).optional(),
    signature: z.strictObject({
      suffixes: z.array(z.string().regex(/^\.[A-Za-z0-9._-]+$/, 'must be a file suffix like .sig')).min(1),
      keys: z.array(z.string().regex(/^[^/].*$/, 'must be relative to the plugin folder').refine((p) => !p.split('/').includes('..'), 'must stay inside the plugin folder')).min(1),
    }).optional(),
  }).superRefine((m, ctx) => {
    // Bins per OS must cover every OS the platforms name, or an install there would link nothing.
    if (!m.bins || Array.isArray(m.bins)) return
    for (const os of new Set(m.platforms.map((p) => p.os))) {
      if (!m.bins[os]) ctx.addIssue({ code: 'custom', path: ['bins', os], message: `platforms name ${os} but bins has no ${os} list` })
    }
  })

  /** `platforms[0].arch: expected array, received string` — the first problem, with its field path. */
  function describeIssue(issue: Zod.core.$ZodIssue): string {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
    return `runner.feature${path}: ${issue.message}`
  }

  return {
    schema: featureManifestSchema,
    parse(value) {
      if (value === undefined) return { problems: ['package.json has no runner.feature block'] }
      const parsed = featureManifestSchema.safeParse(value)
      if (parsed.success) return { manifest: parsed.data as FeatureManifest }
      return { problems: parsed.error.issues.slice(0, 5).map(describeIssue) }
    },
  }
}
