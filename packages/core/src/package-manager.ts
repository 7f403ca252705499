import type { Exec } from './context.js'
import type { Platform } from './platform.js'

/** A third-party package repository, with the key that must sign it. */
export interface RepositorySpec {
  /** Stable name used for the list/repo/key files (`docker`, `nodesource`). */
  name: string
  /** Repository URL (apt: the deb line's URI; dnf: baseurl; apk: repository URL). */
  url: string
  /** URL of the signing key; fetched through core HTTP. */
  keyUrl: string
  /** Expected key fingerprint (40 hex). A different key fails with `REPOSITORY_KEY_MISMATCH`. */
  fingerprint: string
  /** apt: suite and components (`bookworm stable`). */
  suite?: string
  components?: string[]
}

/**
 * A system package manager (apt, dnf/yum, apk; choco on Windows) behind one interface. Every process
 * call goes through the injected `Exec`, so the exact commands are testable. Implementations are
 * non-interactive, refresh indexes at most once per run and only when stale, and use sudo when
 * not root (or fail with `NEEDS_ROOT`).
 */
export interface PackageManager {
  readonly id: 'apt' | 'dnf' | 'yum' | 'apk' | 'choco'
  /** True when this manager is the platform's native one. */
  detect(platform: Platform): boolean
  /** True when every package is already installed (lets install be a no-op). */
  isInstalled(packages: readonly string[]): Promise<boolean>
  install(packages: readonly string[]): Promise<void>
  addRepository(repo: RepositorySpec): Promise<void>
  remove(packages: readonly string[]): Promise<void>
  /** Removes download caches and indexes so image layers stay small. */
  clean(): Promise<void>
}

export type PackageManagerFactory = (exec: Exec) => PackageManager
