import { RunnerError } from '../errors.js'
import type { ArchiveKind, PlatformVocabulary } from '../feature.js'
import type { Platform } from '../platform.js'

export type TargetPlatform = Pick<Platform, 'os' | 'arch' | 'libc'>

/** The words a template may use; anything else in braces is a plugin bug. */
export interface TemplateValues {
  version: string
  os?: string
  arch?: string
  libc?: string
  tag?: string
  asset?: string
  artifact?: string
}

/** Our platform in the upstream's words (`x64` → `amd64`); unmapped values pass through. */
export function platformWords(platform: TargetPlatform, vocabulary: PlatformVocabulary): Pick<TemplateValues, 'os' | 'arch' | 'libc'> {
  return {
    os: vocabulary.os?.[platform.os] ?? platform.os,
    arch: vocabulary.arch?.[platform.arch] ?? platform.arch,
    libc: vocabulary.libc?.[platform.libc] ?? platform.libc,
  }
}

/**
 * Fills `{version}`, `{os}`, `{arch}`, `{libc}`, `{tag}`, `{asset}`, `{artifact}`. A placeholder the
 * context does not provide is `PLUGIN_INVALID` (the declaration is wrong, not the upstream).
 */
export function renderTemplate(template: string, values: TemplateValues, where: string): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => {
    const value = (values as unknown as Record<string, string | undefined>)[name]
    if (value === undefined) {
      throw new RunnerError('PLUGIN_INVALID', `the template "${template}" uses ${whole}, which is not known here`, { where, hint: 'templates may use {version}, {os}, {arch}, {libc} (and {tag}, {asset} where the source defines them); report it to the plugin author' })
    }
    return value
  })
}

/** The archive kind a file name implies: `.tar.gz`/`.tgz`, `.tar.xz`, `.zip`, else a single file. */
export function archiveOf(fileName: string): ArchiveKind {
  if (/\.(tar\.gz|tgz)$/.test(fileName)) return 'tar.gz'
  if (/\.tar\.xz$/.test(fileName)) return 'tar.xz'
  if (/\.zip$/.test(fileName)) return 'zip'
  return 'file'
}

/** The last path segment of a URL, decoded: the file name checksum listings use. */
export function fileNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '')
}
