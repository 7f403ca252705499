import { buffer } from 'node:stream/consumers'
import { createGzip } from 'node:zlib'
import tar from 'tar-stream'
import yazl from 'yazl'

/** One file of a stand-in archive. */
export interface ArchiveEntry {
  /** Path inside the archive (`pwsh`, `node-v20.20.2-linux-x64/bin/node`). */
  name: string
  content: string | Buffer
  /** File mode (default 0o644). Stand-in binaries are 0o755, unless the upstream ships them without the bit. */
  mode?: number
}

/**
 * A zip of `entries` with every entry dated `mtime`, so rebuilding gives byte-identical bytes (and
 * the same sha256) — HashiCorp-style release zips.
 */
export async function zipArchive(entries: readonly ArchiveEntry[], mtime: Date): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const e of entries) zip.addBuffer(Buffer.from(e.content), e.name, { mode: 0o100000 | (e.mode ?? 0o644), mtime })
  zip.end()
  return buffer(zip.outputStream)
}

/** A gzipped tar of `entries` owned by root:root and dated `mtime` (reproducible, like release tarballs). */
export async function tarGzArchive(entries: readonly ArchiveEntry[], mtime: Date): Promise<Buffer> {
  const pack = tar.pack()
  const gz = buffer(pack.pipe(createGzip({ level: 9 })))
  for (const e of entries) pack.entry({ uid: 0, gid: 0, uname: 'root', gname: 'root', mtime, name: e.name, mode: e.mode ?? 0o644 }, Buffer.from(e.content))
  pack.finalize()
  return gz
}
