import type { Feature, PlatformSupport } from './feature.js'
import type { Platform } from './platform.js'

/**
 * The platform matrix of a feature as a Markdown table, generated from its declaration (READMEs
 * embed it; plugin tests check the README still matches). System-package features get a column
 * with the package names per family. `platforms` picks one route's rows (e.g. a feature's
 * `systemPlatforms`); default: everything the feature declares.
 */
export function platformMatrixMarkdown(feature: Pick<Feature, 'platforms' | 'packages'>, platforms: readonly PlatformSupport[] = feature.platforms): string {
  const withPackages = Boolean(feature.packages) && platforms.some((s) => s.distros || s.families)
  const rows = [`| OS | Arch | libc | Distros | ${withPackages ? 'Packages |' : ''}`.trim(), `|---|---|---|---|${withPackages ? '---|' : ''}`]
  for (const s of platforms) {
    // Windows has no libc split and no distros: dashes, not a made-up value.
    if (s.os === 'windows') {
      rows.push(`| windows | ${s.arch.join(', ')} | — | — |${withPackages ? ' — |' : ''}`)
      continue
    }
    for (const d of s.distros ?? [undefined]) {
      const distro = d ? `${d.id ?? `${d.family} family`}${d.versions ? ` ${d.versions}` : ''}` : (s.families?.join(', ') ?? 'any')
      const family = d?.family ?? s.families?.[0]
      let pkgs = ''
      if (withPackages && family) {
        const sample: Platform = { os: 'linux', arch: s.arch[0]!, libc: s.libc[0]!, distro: { id: d?.id ?? family, versionId: '', idLike: [], family } }
        pkgs = ` ${(feature.packages!(sample)[family] ?? []).map((p) => `\`${p}\``).join(' ')} |`
      }
      rows.push(`| ${s.os} | ${s.arch.join(', ')} | ${s.libc.join(', ')} | ${distro} |${pkgs}`)
    }
  }
  return rows.join('\n')
}
