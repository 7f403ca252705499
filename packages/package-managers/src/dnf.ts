import type { PackageManager, Platform, RepositorySpec } from '@runner-features/core'
import type { PmDeps } from './deps.js'
import { fetchCheckedPgpKey } from './keys.js'
import { CommandRunner } from './runner.js'

export const RPM_KEYS = '/etc/pki/rpm-gpg'
export const YUM_REPOS = '/etc/yum.repos.d'

/** The `.repo` file for a repository: gpg-checked packages, key from the local file we verified. */
export function yumRepoFile(repo: RepositorySpec, keyFile: string): string {
  return [`[${repo.name}]`, `name=${repo.name}`, `baseurl=${repo.url}`, 'enabled=1', 'gpgcheck=1', `gpgkey=file://${keyFile}`, ''].join('\n')
}

/**
 * dnf (RHEL/Rocky/Alma 8+, Fedora, Amazon Linux 2023) or, where only yum exists (Amazon Linux 2,
 * CentOS 7), yum with the same flags minus dnf-only options. Metadata freshness is dnf's own
 * (`metadata_expire`): it refreshes stale metadata itself, once, on the install; we never force
 * `makecache`. `isInstalled` asks `rpm -q --whatprovides`, so `curl` counts as installed when
 * Amazon Linux's `curl-minimal` provides it (installing `curl` there would conflict).
 */
export class DnfManager implements PackageManager {
  private readonly run: CommandRunner

  constructor(private readonly deps: PmDeps, readonly id: 'dnf' | 'yum' = 'dnf') {
    this.run = new CommandRunner(deps, `check the package names for this distro release and that its repositories are enabled (\`${id} repolist\`)`)
  }

  detect(platform: Platform): boolean {
    return platform.distro.family === 'rhel'
  }

  async isInstalled(packages: readonly string[]): Promise<boolean> {
    if (!packages.length) return true
    const r = await this.run.user('rpm', ['-q', '--whatprovides', ...packages], {}, () => true)
    return r.exitCode === 0
  }

  async install(packages: readonly string[]): Promise<void> {
    if (!packages.length) return
    this.deps.logger?.info(`${this.id} install ${packages.join(' ')}`)
    const weak = this.id === 'dnf' ? ['--setopt=install_weak_deps=False'] : []
    await this.run.root(this.id, ['install', '-y', ...weak, ...packages])
  }

  /** Key to `/etc/pki/rpm-gpg/RPM-GPG-KEY-<name>` (fingerprint checked first), repo to `/etc/yum.repos.d/<name>.repo`. */
  async addRepository(repo: RepositorySpec): Promise<void> {
    await this.run.assertCanBecomeRoot(`add ${this.id} repository ${repo.name}`)
    const key = await fetchCheckedPgpKey(repo, this.deps, () => this.install(['gnupg2']))
    const keyFile = `${RPM_KEYS}/RPM-GPG-KEY-${repo.name}`
    const repoFile = `${YUM_REPOS}/${repo.name}.repo`
    const text = yumRepoFile(repo, keyFile)
    if ((await this.deps.fs.readFile(keyFile)) !== key) await this.deps.fs.writeFile(keyFile, key, 0o644)
    if ((await this.deps.fs.readFile(repoFile)) !== text) await this.deps.fs.writeFile(repoFile, text, 0o644)
  }

  async remove(packages: readonly string[]): Promise<void> {
    if (!packages.length) return
    await this.run.root(this.id, ['remove', '-y', ...packages])
  }

  async clean(): Promise<void> {
    await this.run.root(this.id, ['clean', 'all'])
  }
}
