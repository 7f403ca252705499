import { Flags } from '@oclif/core'
import { RunnerError, parseByteSize } from '@runner-features/core'
import { parseDuration, pruneCache, type CacheEntry, type CacheListing } from '@runner-features/engine'
import { RunnerCommand } from '../../../base-command.js'
import { writeOut } from '../../../output.js'
import { createRuntime } from '../../../runtime.js'

export default class FeaturesCachePrune extends RunnerCommand {
  static summary = 'Remove download-cache entries older than --older-than, then the oldest until it fits --max-size.'
  static description = 'Safe while other installs use the same cache (one unlink per entry; cached files are re-hashed when used, a missing one is downloaded again). Installed tools are never touched.'
  static examples = ['<%= config.bin %> features cache prune --max-size 5G', '<%= config.bin %> features cache prune --older-than 30d --dry-run']
  static flags = {
    'max-size': Flags.string({ description: 'Keep at most this much (e.g. 5G, 512M, or bytes).' }),
    'older-than': Flags.string({ description: 'Remove entries written longer ago than this (e.g. 30d, 12h, 2w).' }),
    'dry-run': Flags.boolean({ description: 'Print what would be removed; remove nothing.', default: false }),
  }

  async run(): Promise<CacheListing & { removed: CacheEntry[]; freedBytes: number }> {
    const { flags } = await this.parse(FeaturesCachePrune)
    const maxBytes = flags['max-size'] === undefined ? undefined : parseByteSize(flags['max-size'])
    if (flags['max-size'] !== undefined && maxBytes === undefined) throw new RunnerError('INVALID_ARGUMENT', `"${flags['max-size']}" is not a size`, { where: '--max-size', hint: 'e.g. 5G, 512M or a number of bytes' })
    const olderThanMs = flags['older-than'] === undefined ? undefined : parseDuration(flags['older-than'])
    if (flags['older-than'] !== undefined && olderThanMs === undefined) throw new RunnerError('INVALID_ARGUMENT', `"${flags['older-than']}" is not a duration`, { where: '--older-than', hint: 'e.g. 30d, 12h, 2w, 90m' })
    const result = await pruneCache(createRuntime().cacheDir, { maxBytes, olderThanMs, dryRun: flags['dry-run'] })
    if (!this.jsonEnabled()) {
      writeOut(`${result.removed.map((e) => `${flags['dry-run'] ? 'would remove' : 'removed'} ${e.kind} ${e.name} (${e.size} bytes)`).join('\n')}${result.removed.length ? '\n' : ''}`
        + `${flags['dry-run'] ? 'would free' : 'freed'} ${result.freedBytes} bytes; ${result.entries.length} entries, ${result.totalBytes} bytes left in ${result.cacheDir}\n`)
    }
    return result
  }
}
