import { listCache, type CacheListing } from '@runner-features/engine'
import { RunnerCommand } from '../../../base-command.js'
import { writeOut } from '../../../output.js'
import { createRuntime } from '../../../runtime.js'

export default class FeaturesCacheLs extends RunnerCommand {
  static summary = 'List the download cache: verified artifacts (by sha256) and cached indexes, oldest first, with sizes.'
  static description = 'The cache is RUNNER_FEATURES_CACHE_DIR (or the team config\'s cache.path). Prune it with `runner features cache prune`. See docs/offline.md.'
  static examples = ['<%= config.bin %> features cache ls', '<%= config.bin %> features cache ls --json']

  async run(): Promise<CacheListing> {
    await this.parse(FeaturesCacheLs)
    const listing = await listCache(createRuntime().cacheDir)
    if (!this.jsonEnabled()) {
      const lines = listing.entries.map((e) => `${e.modified.slice(0, 19).replace('T', ' ')}  ${String(e.size).padStart(12)}  ${e.kind.padEnd(8)}  ${e.name}`)
      writeOut(`${lines.join('\n')}${lines.length ? '\n' : ''}${listing.entries.length} entries, ${listing.totalBytes} bytes in ${listing.cacheDir}\n`)
    }
    return listing
  }
}
