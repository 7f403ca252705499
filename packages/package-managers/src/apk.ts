import type { PackageManager, Platform, RepositorySpec } from '@runner-features/core'
import { DEFAULT_STALE_AFTER_MS, type PmDeps } from './deps.js'
import { fetchCheckedApkKey } from './keys.js'
import { CommandRunner } from './runner.js'

const INDEX_CACHE = '/var/cache/apk'
export const APK_KEYS = '/etc/apk/keys'
export const APK_REPOSITORIES = '/etc/apk/repositories'

/**
 * apk on Alpine. `apk update` runs at most once per instance and only when the cached APKINDEX
 * files are missing or older than `staleAfterMs`; `apk add` then works from that index.
 */
export class ApkManager implements PackageManager {
  readonly id = 'apk' as const
  private readonly run: CommandRunner
  private refreshed = false
  private forceRefresh = false

  constructor(private readonly deps: PmDeps) {
    this.run = new CommandRunner(deps, 'check the package names for this Alpine release (and that community/ is enabled in /etc/apk/repositories)')
  }

  detect(platform: Platform): boolean {
    return platform.distro.family === 'alpine'
  }

  async isInstalled(packages: readonly string[]): Promise<boolean> {
    if (!packages.length) return true
    const r = await this.run.user('apk', ['info', '-e', ...packages], {}, () => true)
    const present = new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean))
    return packages.every((p) => present.has(p))
  }

  private async refreshIfStale(): Promise<void> {
    if (this.refreshed) return
    const names = (await this.deps.fs.list(INDEX_CACHE)).filter((n) => n.startsWith('APKINDEX.'))
    const times = (await Promise.all(names.map((n) => this.deps.fs.mtimeMs(`${INDEX_CACHE}/${n}`)))).filter((t): t is number => t !== undefined)
    const age = times.length ? this.deps.now() - Math.max(...times) : undefined
    if (this.forceRefresh || age === undefined || age > (this.deps.staleAfterMs ?? DEFAULT_STALE_AFTER_MS)) await this.run.root('apk', ['update'])
    this.refreshed = true
    this.forceRefresh = false
  }

  async install(packages: readonly string[]): Promise<void> {
    if (!packages.length) return
    await this.run.assertCanBecomeRoot(`apk add ${packages.join(' ')}`)
    await this.refreshIfStale()
    this.deps.logger?.info(`apk add ${packages.join(' ')}`)
    await this.run.root('apk', ['add', '--no-progress', ...packages])
  }

  /**
   * Key to `/etc/apk/keys/<name>` (apk matches it by file name against the index signature, so the
   * upstream's `*.rsa.pub` name is kept) after its fingerprint check; the URL appended to
   * `/etc/apk/repositories` once.
   */
  async addRepository(repo: RepositorySpec): Promise<void> {
    await this.run.assertCanBecomeRoot(`add apk repository ${repo.name}`)
    const key = await fetchCheckedApkKey(repo, this.deps)
    const base = repo.keyUrl.split('/').pop() ?? ''
    const keyFile = `${APK_KEYS}/${base.endsWith('.rsa.pub') ? base : `${repo.name}.rsa.pub`}`
    let changed = false
    if ((await this.deps.fs.readFile(keyFile)) !== key) {
      await this.deps.fs.writeFile(keyFile, key, 0o644)
      changed = true
    }
    const current = (await this.deps.fs.readFile(APK_REPOSITORIES)) ?? ''
    if (!current.split('\n').some((l) => l.trim() === repo.url)) {
      await this.deps.fs.writeFile(APK_REPOSITORIES, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${repo.url}\n`, 0o644)
      changed = true
    }
    if (changed) {
      this.refreshed = false
      this.forceRefresh = true
    }
  }

  async remove(packages: readonly string[]): Promise<void> {
    if (!packages.length) return
    await this.run.root('apk', ['del', '--no-progress', ...packages])
  }

  /** `apk cache clean` (a no-op error when no cache is configured, tolerated) and the index cache removed. */
  async clean(): Promise<void> {
    await this.run.root('apk', ['cache', 'clean'], {}, (r) => /not enabled|no cache/i.test(r.stderr + r.stdout))
    for (const name of await this.deps.fs.list(INDEX_CACHE)) await this.deps.fs.remove(`${INDEX_CACHE}/${name}`)
    this.refreshed = false
  }
}
