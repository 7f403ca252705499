import type { PackageManager, Platform, RepositorySpec } from '@runner-features/core'
import type { PmDeps } from './deps.js'
import { CommandRunner } from './runner.js'

/**
 * Chocolatey (Windows, v2 command line), selected when `Platform.os` is `windows`. Only its
 * commands are unit-tested (recorded through the fake exec): no Windows machine runs here.
 *
 * Why `user` and not `root`: Windows has no sudo; choco must already run elevated (the Windows
 * runner image runs as ContainerAdministrator), so elevation is the caller's. Sources carry no
 * signing key (choco checks each package's own checksums), so `keyUrl`/`fingerprint` are unused.
 */
export class ChocoManager implements PackageManager {
  readonly id = 'choco' as const
  private readonly run: CommandRunner

  constructor(deps: PmDeps) {
    this.run = new CommandRunner(deps, 'check the package ids (`choco search`) and that the shell is elevated')
  }

  detect(platform: Platform): boolean {
    return platform.os === 'windows'
  }

  /** One `choco list --exact` per package: `--limit-output` prints `id|version` lines, CRLF-ended. */
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

  /** Removes choco's download cache so image layers stay small. */
  async clean(): Promise<void> {
    await this.run.user('choco', ['cache', 'remove', '-y'])
  }
}
