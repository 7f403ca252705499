import { RunnerError } from '@runner-features/core'

/**
 * Parses `sha256sum`-style checksum files as upstreams publish them: `SHASUMS256.txt` (Node),
 * `terraform_<v>_SHA256SUMS` (HashiCorp), `SHA256SUMS` (python-build-standalone). Each line is
 * `<64 hex>  <name>` or `<64 hex> *<name>` (binary mode). Returns name → lower-case hex.
 */
export function parseChecksumFile(text: string, source: string): Map<string, string> {
  const out = new Map<string, string>()
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line)
    if (!m) throw new RunnerError('UPSTREAM_FORMAT', `line ${i + 1} is not "<sha256>  <file>"`, { where: `${source}:${i + 1}`, hint: 'the checksum file is damaged or not a sha256sum listing' })
    out.set(m[2]!.trim(), m[1]!.toLowerCase())
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
