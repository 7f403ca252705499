import { RunnerError } from '@runner-features/kit'

/**
 * Undoes what PowerShell's `hashes.sha256` encodings look like after core decoded the bytes as
 * UTF-8 (plugins get text, not bytes):
 * - UTF-8 with a BOM → a leading U+FEFF;
 * - UTF-16LE with a BOM (`FF FE`, releases since 7.5.2, PowerShell#26139) → two U+FFFD (the BOM
 *   bytes are not UTF-8) and a NUL after every ASCII character;
 * - UTF-16 without a BOM → NULs interleaved the same way.
 * The content is ASCII (hex, `*`, file names), so dropping NULs is lossless for it. Anything that
 * is still not ASCII afterwards makes the parser below refuse the line.
 */
export function normalizeHashesText(text: string): string {
  let t = text
  if (t.startsWith('\uFEFF')) t = t.slice(1)
  else if (t.startsWith('\uFFFD\uFFFD')) t = t.slice(2)
  const nuls = (t.match(/\0/g) ?? []).length
  // UTF-16 text of ASCII: about every second code unit is NUL.
  if (nuls > 0 && nuls * 2 >= t.length - 2) t = t.replaceAll('\0', '')
  return t
}

/**
 * Parses a PowerShell release's `hashes.sha256`: sha256sum binary-mode lines `<hex> *<file>`
 * (text mode `<hex>  <file>` accepted too), CRLF or LF, upper- or lower-case hex, any of the
 * encodings {@link normalizeHashesText} handles. Returns file name → lower-case hex. A line that is
 * not a checksum line, or a file listed twice with different hashes, is `UPSTREAM_FORMAT`: the
 * file is damaged and nothing in it can be trusted (fail closed).
 */
export function parseHashesSha256(text: string, source: string): Map<string, string> {
  const out = new Map<string, string>()
  normalizeHashesText(text).split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    const m = /^([0-9a-fA-F]{64}) [ *]?([!-~][ -~]*)$/.exec(line)
    if (!m) {
      throw new RunnerError('UPSTREAM_FORMAT', `line ${i + 1} is not "<sha256> *<file>"`, {
        where: `${source}:${i + 1}`,
        hint: 'the checksum file is damaged, in an unknown encoding, or not a hashes.sha256 listing; nothing is installed from it',
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
