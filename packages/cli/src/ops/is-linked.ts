import { readlinkSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { InstalledRecord } from '@runner-features/core'

/**
 * Does any of the record's bin links point into its install dir right now (is it the linked
 * version)? Its own file: the `features list` fast path needs it without the installer.
 * `readlinkSync`: an async call would start libuv's thread pool for a few tiny syscalls.
 */
export async function isLinked(record: InstalledRecord): Promise<boolean> {
  return record.links.some((link) => pointsInto(link, record))
}

/** The record's bin links that point into its install dir right now (`features current`). */
export function linksInto(record: InstalledRecord): string[] {
  return record.links.filter((link) => pointsInto(link, record))
}

function pointsInto(link: string, record: InstalledRecord): boolean {
  let target: string
  try {
    target = readlinkSync(link)
  } catch {
    // Not a link (any more): not linked.
    return false
  }
  return resolve(dirname(link), target).startsWith(`${record.path}/`)
}
