import { RunnerError, type PackageManager, type Platform, type RepositorySpec } from '@runner-features/core'
import { DEFAULT_STALE_AFTER_MS, type PmDeps } from './deps.js'
import { fetchCheckedPgpKey } from './keys.js'
import { CommandRunner } from './runner.js'

const NONINTERACTIVE = { DEBIAN_FRONTEND: 'noninteractive' }
const LISTS = '/var/lib/apt/lists'
/** Ubuntu's apt touches it after every successful update (15update-stamp); we do too, since an update that finds nothing new leaves the list files' mtimes alone. */
export const APT_UPDATE_STAMP = '/var/lib/apt/periodic/update-success-stamp'
export const APT_KEYRINGS = '/etc/apt/keyrings'
export const APT_SOURCES = '/etc/apt/sources.list.d'

/** Debian's architecture names. */
function debArch(platform: Platform): string {
  return platform.arch === 'x64' ? 'amd64' : 'arm64'
}

/** The deb822 `.sources` stanza for a repository, `Signed-By` its own keyring (never trusted.gpg). */
export function aptSourcesFile(repo: RepositorySpec, platform: Platform, keyring: string): string {
  const suite = repo.suite ?? platform.distro.codename
  if (!suite) throw new RunnerError('INVALID_ARGUMENT', `repository ${repo.name} names no suite and this distro has no VERSION_CODENAME`, { where: repo.url, hint: 'declare suite in the RepositorySpec' })
  const components = repo.components ?? (suite.endsWith('/') ? [] : ['main'])
  return [
    'Types: deb',
    `URIs: ${repo.url}`,
    `Suites: ${suite}`,
    ...(components.length ? [`Components: ${components.join(' ')}`] : []),
    `Architectures: ${debArch(platform)}`,
    `Signed-By: ${keyring}`,
    '',
  ].join('\n')
}

/**
 * apt on Debian and Ubuntu. `apt-get update` runs at most once per instance (one per CLI run) and
 * only when the package lists are missing, older than `staleAfterMs`, or a repository was just
 * added. Installs are non-interactive and skip recommends, keeping existing config files.
 */
export class AptManager implements PackageManager {
  readonly id = 'apt' as const
  private readonly run: CommandRunner
  private refreshed = false
  private forceRefresh = false

  constructor(private readonly deps: PmDeps) {
    this.run = new CommandRunner(deps, 'check the package names for this distro release and that the apt sources are reachable (`apt-get update`)')
  }

  detect(platform: Platform): boolean {
    return platform.distro.family === 'debian'
  }

  async isInstalled(packages: readonly string[]): Promise<boolean> {
    if (!packages.length) return true
    const r = await this.run.user('dpkg-query', ['-W', '-f=${Package}\\t${db:Status-Status}\\n', ...packages], {}, () => true)
    const status = new Map(r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]))
    return packages.every((p) => status.get(p.replace(/:[a-z0-9]+$/, '')) === 'installed')
  }

  /** Age of the newest index (or update stamp); undefined when there are no indexes (after `clean`). */
  private async listsAge(): Promise<number | undefined> {
    const names = (await this.deps.fs.list(LISTS)).filter((n) => /_(In)?Release$|_Packages(\.\w+)?$/.test(n))
    if (!names.length) return undefined
    const times = (await Promise.all([...names.map((n) => `${LISTS}/${n}`), APT_UPDATE_STAMP].map((p) => this.deps.fs.mtimeMs(p)))).filter((t): t is number => t !== undefined)
    return times.length ? this.deps.now() - Math.max(...times) : undefined
  }

  /** `apt-get update` when stale; at most once per instance. */
  async refreshIfStale(): Promise<void> {
    if (this.refreshed) return
    const age = await this.listsAge()
    if (this.forceRefresh || age === undefined || age > (this.deps.staleAfterMs ?? DEFAULT_STALE_AFTER_MS)) {
      this.deps.logger?.info('apt-get update (package lists are missing or stale)')
      await this.run.root('apt-get', ['update'], NONINTERACTIVE)
      await this.deps.fs.writeFile(APT_UPDATE_STAMP, '', 0o644)
    }
    this.refreshed = true
    this.forceRefresh = false
  }

  async install(packages: readonly string[]): Promise<void> {
    if (!packages.length) return
    await this.run.assertCanBecomeRoot(`apt-get install ${packages.join(' ')}`)
    await this.refreshIfStale()
    this.deps.logger?.info(`apt-get install ${packages.join(' ')}`)
    await this.run.root('apt-get', ['install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...packages], NONINTERACTIVE)
  }

  /**
   * Keyring `/etc/apt/keyrings/<name>.asc` (armored; apt reads it via `Signed-By`) and
   * `/etc/apt/sources.list.d/<name>.sources`. The key's fingerprint is checked first, so a wrong key
   * adds nothing. Unchanged files are not rewritten; a change makes the next install refresh.
   */
  async addRepository(repo: RepositorySpec): Promise<void> {
    await this.run.assertCanBecomeRoot(`add apt repository ${repo.name}`)
    const key = await fetchCheckedPgpKey(repo, this.deps, () => this.install(['gpg']))
    const keyring = `${APT_KEYRINGS}/${repo.name}.asc`
    const sources = `${APT_SOURCES}/${repo.name}.sources`
    const sourcesText = aptSourcesFile(repo, this.deps.platform, keyring)
    let changed = false
    if ((await this.deps.fs.readFile(keyring)) !== key) {
      await this.deps.fs.writeFile(keyring, key, 0o644)
      changed = true
    }
    if ((await this.deps.fs.readFile(sources)) !== sourcesText) {
      await this.deps.fs.writeFile(sources, sourcesText, 0o644)
      changed = true
    }
    if (changed) {
      this.refreshed = false
      this.forceRefresh = true
    }
  }

  async remove(packages: readonly string[]): Promise<void> {
    if (!packages.length) return
    await this.run.root('apt-get', ['remove', '-y', ...packages], NONINTERACTIVE)
  }

  /** `apt-get clean` and `rm -rf /var/lib/apt/lists/*`, so an image layer keeps neither. */
  async clean(): Promise<void> {
    await this.run.root('apt-get', ['clean'], NONINTERACTIVE)
    for (const name of await this.deps.fs.list(LISTS)) await this.deps.fs.remove(`${LISTS}/${name}`)
    this.refreshed = false
  }
}
