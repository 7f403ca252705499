import type { ArchiveLimits } from '@runner-features/core'

export interface ExtractOptions {
  /** An existing, empty directory (the staging dir). Its emptiness is what makes the symlink rules sound. */
  dest: string
  /** Leading path components to drop, like `tar --strip-components`; entries with no more components are skipped. */
  strip: number
  /** Human label for errors: the (redacted) URL or the file name. */
  source: string
  /** For kind `file`: the name of the single file inside `dest` (written mode 0755). */
  fileName?: string
  /** Size, entry and expansion-ratio limits, checked while extracting (default: DEFAULT_ARCHIVE_LIMITS). */
  limits?: ArchiveLimits
}

export interface ExtractStats {
  /** Non-directory entries written: regular files, symlinks and hardlinks. */
  files: number
  /** Bytes of regular-file content written. */
  bytes: number
}
