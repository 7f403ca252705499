import type { PackageManager, Platform, RepositorySpec } from '@runner-features/core'
import type { PmDeps } from './deps.js'
import { CommandRunner } from './runner.js'

// runner-features installs onto Linux runners; these two exist so a macOS or Windows runner can
// be added behind the same interface. Only their commands are unit-tested: there is no macOS or
// Windows machine in this project's CI.

const BREW_ENV = { HOMEBREW_NO_ENV_HINTS: '1', HOMEBREW_NO_INSTALL_CLEANUP: '1', NONINTERACTIVE: '1' }

/**
 * Homebrew (macOS). brew refuses to run as root, so nothing here uses sudo; its own auto-update
 * refreshes the formula index when stale. Taps are git repositories: there is no signing key to
 * check, so `fingerprint` is ignored (brew trusts the https URL).
 */
export class BrewManager implements PackageManager {
  readonly id = 'brew' as const
  private readonly run: CommandRunner

  constructor(deps: PmDeps) {
    this.run = new CommandRunner(deps, 'check the formula names (`brew search`)')
  }

  detect(platform: Platform): boolean {
    return (platform.os as string) === 'darwin'
  }

  async isInstalled(packages: readonly string[]): Promise<boolean> {
    if (!packages.length) return true
    const r = await this.run.user('brew', ['list', '--versions', ...packages], BREW_ENV, () => true)
    return r.exitCode === 0 && r.stdout.split('\n').filter(Boolean).length === packages.length
  }

  async install(packages: readonly string[]): Promise<void> {
    if (packages.length) await this.run.user('brew', ['install', '--quiet', ...packages], BREW_ENV)
  }

  async addRepository(repo: RepositorySpec): Promise<void> {
    await this.run.user('brew', ['tap', repo.name, repo.url], BREW_ENV)
  }

  async remove(packages: readonly string[]): Promise<void> {
    if (packages.length) await this.run.user('brew', ['uninstall', '--quiet', ...packages], BREW_ENV)
  }

  async clean(): Promise<void> {
    await this.run.user('brew', ['cleanup', '--prune=all', '-s'], BREW_ENV)
  }
}

/**
 * Chocolatey (Windows, v2 command line). Must run elevated; Windows has no sudo, so elevation is
 * the caller's. Sources carry no signing key (packages are checked by choco's own checksums).
 */
export class ChocoManager implements PackageManager {
  readonly id = 'choco' as const
  private readonly run: CommandRunner

  constructor(deps: PmDeps) {
    this.run = new CommandRunner(deps, 'check the package ids (`choco search`) and that the shell is elevated')
  }

  detect(platform: Platform): boolean {
    return (platform.os as string) === 'win32'
  }

  async isInstalled(packages: readonly string[]): Promise<boolean> {
    for (const p of packages) {
      const r = await this.run.user('choco', ['list', '--exact', '--limit-output', p], {}, () => true)
      if (!r.stdout.split(/\r?\n/).some((l) => l.toLowerCase().startsWith(`${p.toLowerCase()}|`))) return false
    }
    return true
  }

  async install(packages: readonly string[]): Promise<void> {
    if (packages.length) await this.run.user('choco', ['install', '-y', '--no-progress', ...packages])
  }

  async addRepository(repo: RepositorySpec): Promise<void> {
    await this.run.user('choco', ['source', 'add', `--name=${repo.name}`, `--source=${repo.url}`])
  }

  async remove(packages: readonly string[]): Promise<void> {
    if (packages.length) await this.run.user('choco', ['uninstall', '-y', ...packages])
  }

  async clean(): Promise<void> {
    await this.run.user('choco', ['cache', 'remove', '-y'])
  }
}
