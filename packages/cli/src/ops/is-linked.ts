import { readlink } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { InstalledRecord } from '@runner-features/core'

/**
 * Does any of the record's bin links point into its install dir right now (is it the linked
 * version)? Its own file: the `features list` fast path needs it without the installer.
 */
export async function isLinked(record: InstalledRecord): Promise<boolean> {
  for (const link of record.links) {
    const target = await readlink(link).catch(() => null)
    if (target && resolve(dirname(link), target).startsWith(`${record.path}/`)) return true
  }
  return false
}
