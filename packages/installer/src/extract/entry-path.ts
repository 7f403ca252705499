/**
 * Pure path rules for archive entries: which names are unsafe, how `strip` maps a name into the
 * extraction directory, and which symlink targets stay inside it. No I/O; `writer.ts` turns the
 * reasons into `ARCHIVE_UNSAFE` errors.
 */

const DRIVE = /^[A-Za-z]:/

/** Why `name` (a tar or zip entry name, or a hardlink's target name) must not be extracted; undefined when it may. */
export function unsafeNameReason(name: string): string | undefined {
  if (name.includes('\0')) return 'the name contains a NUL byte'
  if (name.startsWith('/') || name.startsWith('\\')) return 'the name is an absolute path'
  if (DRIVE.test(name)) return 'the name starts with a Windows drive letter'
  // Backslashes are plain characters on Linux, but a `..\` segment is never innocent: reject it too.
  if (name.split(/[/\\]/).includes('..')) return 'the name has a ".." segment'
  return undefined
}

/**
 * The entry's path inside the extraction directory (`a/b/c`, no leading or trailing slash), or
 * `null` when `strip` removes it. Like `tar --strip-components`: a leading `./` counts as a
 * component, and an entry with no more than `strip` components is skipped. Call only on names
 * that passed {@link unsafeNameReason}.
 */
export function stripPath(name: string, strip: number): string | null {
  const parts = name.split('/').filter((part) => part !== '')
  if (parts.length <= strip) return null
  const kept = parts.slice(strip).filter((part) => part !== '.')
  return kept.length === 0 ? null : kept.join('/')
}

/**
 * Why a symlink at `linkPath` (a path from {@link stripPath}) pointing at `target` is unsafe;
 * undefined when it is safe. A safe target is relative and has the shape `../../name/name`:
 * its `..` segments all come first and do not climb above the extraction directory. A `..`
 * after a name is refused even when it looks harmless (`a/../b`), because the name may be or
 * later become a symlink (`d/up -> ..` turns `d/up/..` into the parent of the extraction
 * directory), and the lexical check would no longer hold. Real archives (Node's
 * `bin/npm -> ../lib/node_modules/npm/bin/npm-cli.js`) never need it.
 */
export function unsafeSymlinkReason(linkPath: string, target: string): string | undefined {
  if (target === '') return 'the symlink has an empty target'
  if (target.includes('\0')) return 'the symlink target contains a NUL byte'
  if (target.startsWith('/') || target.startsWith('\\') || DRIVE.test(target)) return `the symlink points to the absolute path ${target}`
  let ups = 0
  let named = false
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue
    if (part !== '..') {
      named = true
      continue
    }
    if (named) return `the symlink target ${target} climbs back up with ".." after a directory name`
    ups += 1
  }
  const depth = linkPath.split('/').length - 1
  if (ups > depth) return `the symlink points outside the extraction directory (${target})`
  return undefined
}
