import { readlinkSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { InstalledRecord } from '@runner-features/core'

/**
 * Does any of the record's bin links point into its install dir right now (is it the linked
 * version)? Its own file: the `features list` fast path needs it without the installer.
 * `readlinkSync`: an async call would start libuv's thread pool for a few tiny syscalls.
 */
export async function isLinked(record: InstalledRecord): Promise<boolean> {
  for (const link of record.links) {
    let target: string | null = null
    try {
      target = readlinkSync(link)
    } catch {
      // Not a link (any more): not linked.
    }
    if (target && resolve(dirname(link), target).startsWith(`${record.path}/`)) return true
  }
  return false
}
