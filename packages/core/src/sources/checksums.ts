import { RunnerError } from '../errors.js'

/**
 * Undoes what a checksum file's encoding looks like after core decoded its bytes as UTF-8
 * (plugins and sources get text, not bytes):
 * - UTF-8 with a BOM → a leading U+FEFF;
 * - UTF-16 with a BOM (PowerShell's `hashes.sha256` since 7.5.2, PowerShell#26139) → two U+FFFD
 *   (the BOM bytes are not UTF-8) and a NUL next to every ASCII character;
 * - UTF-16 without a BOM → NULs interleaved the same way.
 * Checksum listings are ASCII (hex, `*`, file names), so dropping NULs is lossless for them;
 * anything still not ASCII afterwards makes the parser refuse the line.
 */
export function normalizeChecksumText(text: string): string {
  let t = text
  if (t.startsWith('\uFEFF')) t = t.slice(1)
  else if (t.startsWith('\uFFFD\uFFFD')) t = t.slice(2)
  const nuls = (t.match(/\0/g) ?? []).length
  // UTF-16 text of ASCII: about every second code unit is NUL.
  if (nuls > 0 && nuls * 2 >= t.length - 2) t = t.replaceAll('\0', '')
  return t
}

/**
 * Parses a `sha256sum` listing as upstreams publish it (`SHASUMS256.txt`, HashiCorp's
 * `<p>_<v>_SHA256SUMS`, `sha256sum.txt`, PowerShell's `hashes.sha256`): lines `<64 hex>  <file>`
 * or `<64 hex> *<file>`, CRLF or LF, either hex case, any encoding {@link normalizeChecksumText}
 * handles. Returns file name → lower-case hex. A line that is not a checksum line, or a file listed
 * twice with different hashes, is `UPSTREAM_FORMAT`: the file is damaged and nothing in it can be
 * trusted (fail closed).
 */
export function parseSha256Sums(text: string, source: string): Map<string, string> {
  const out = new Map<string, string>()
  normalizeChecksumText(text).split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    const m = /^([0-9a-fA-F]{64})\s+\*?([!-~][ -~]*)$/.exec(line)
    if (!m) {
      throw new RunnerError('UPSTREAM_FORMAT', `line ${i + 1} is not "<sha256>  <file>"`, {
        where: `${source}:${i + 1}`,
        hint: 'the checksum file is damaged, in an unknown encoding, or not a sha256sum listing; nothing is installed from it',
      })
    }
    const name = m[2]!.trim()
    const hash = m[1]!.toLowerCase()
    const previous = out.get(name)
    if (previous && previous !== hash) {
      throw new RunnerError('UPSTREAM_FORMAT', `${name} is listed twice with different hashes`, { where: `${source}:${i + 1}`, hint: 'the checksum file contradicts itself; nothing is installed from it' })
    }
    out.set(name, hash)
  })
  return out
}

/**
 * A per-asset checksum file (`<asset>.sha256`): the hash alone, or `<hash>  <name>` whose name must
 * be the asset. Anything else is `UPSTREAM_FORMAT`.
 */
export function parseSingleSha256(text: string, fileName: string, source: string): string {
  const line = normalizeChecksumText(text).trim()
  const m = /^([0-9a-fA-F]{64})(?:\s+\*?(\S.*))?$/.exec(line)
  if (!m || (m[2] !== undefined && m[2].trim() !== fileName)) {
    throw new RunnerError('UPSTREAM_FORMAT', `expected the sha256 of ${fileName}, got ${JSON.stringify(line.slice(0, 80))}`, { where: source, hint: 'the mirror may serve an error page instead of the .sha256 file; check its URL' })
  }
  return m[1]!.toLowerCase()
}

/**
 * An rhash table (mikefarah/yq's `checksums`): each line `<file> <hash> <hash> …`, the columns in
 * the order of the hash names listed one per line in a second file (`checksums_hashes_order`).
 * Returns file name → lower-case sha256 from the `SHA-256` column.
 */
export function parseRhashTable(text: string, orderText: string, source: string, orderSource: string): Map<string, string> {
  const names = normalizeChecksumText(orderText).split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
  const column = names.indexOf('SHA-256')
  if (column < 0) {
    throw new RunnerError('UPSTREAM_FORMAT', 'the hash order lists no SHA-256', { where: orderSource, hint: 'the file should list one hash name per line (rhash --list-hashes); check the mirror' })
  }
  const out = new Map<string, string>()
  normalizeChecksumText(text).split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/)
    if (fields.length === 1 && !fields[0]) return
    const hash = fields[column + 1]
    if (fields.length !== names.length + 1 || !hash || !/^[0-9a-fA-F]{64}$/.test(hash)) {
      throw new RunnerError('UPSTREAM_FORMAT', `line ${i + 1} does not have a file name and ${names.length} hashes with a sha256 in column ${column + 2}`, { where: `${source}:${i + 1}`, hint: 'the checksums file does not match its hash order file; nothing is installed from it' })
    }
    out.set(fields[0]!, hash.toLowerCase())
  })
  return out
}

/** The checksum for `fileName`, or `CHECKSUM_MISSING` (fail closed: never install unverified). */
export function checksumFor(sums: Map<string, string>, fileName: string, source: string): string {
  const hash = sums.get(fileName)
  if (!hash) {
    throw new RunnerError('CHECKSUM_MISSING', `${source} lists no checksum for ${fileName}`, {
      where: source,
      hint: 'the upstream or mirror is incomplete; runner-features never installs an unverified file',
    })
  }
  return hash
}
