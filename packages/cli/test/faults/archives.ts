import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import tar from 'tar-stream'
import yazl from 'yazl'
import { terraformScript } from '../../../../plugins/terraform/fixtures/mirror.ts'

/** One zip entry; `mode` carries the file type too (0o120777 makes a symlink whose target is the data). */
export interface ZipEntry {
  name: string
  data: Buffer | string
  mode?: number
}

/**
 * yazl refuses `..` in entry names (rightly), so hostile names are written as same-length
 * placeholders and patched in the finished bytes (local header and central directory alike).
 */
const DOTDOT_PLACEHOLDER = '__'

/** A zip of `entries`; a name containing `../` is patched in after yazl wrote it (see above). */
export async function zip(entries: ZipEntry[]): Promise<Buffer> {
  const z = new yazl.ZipFile()
  const patches: Array<[Buffer, Buffer]> = []
  for (const e of entries) {
    let name = e.name
    if (name.includes('..')) {
      const safe = name.replaceAll('..', DOTDOT_PLACEHOLDER)
      patches.push([Buffer.from(safe), Buffer.from(name)])
      name = safe
    }
    z.addBuffer(Buffer.from(e.data), name, { mode: e.mode ?? 0o100644, mtime: new Date('2023-06-12T00:00:00Z'), compress: true })
  }
  z.end()
  const chunks: Buffer[] = []
  for await (const c of z.outputStream) chunks.push(c as Buffer)
  let out: Buffer = Buffer.concat(chunks)
  for (const [from, to] of patches) out = replaceAll(out, from, to)
  return out
}

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  const out = Buffer.from(buf)
  for (let at = out.indexOf(from); at !== -1; at = out.indexOf(from, at + 1)) to.copy(out, at)
  return out
}

/** The stand-in terraform executable entry (answers `terraform version`), optionally wrapped by a shell prelude. */
export function terraformEntry(version: string, prelude = ''): ZipEntry {
  const script = terraformScript(version, 'linux_amd64')
  return { name: 'terraform', data: prelude ? script.replace('\n', `\n${prelude}\n`) : script, mode: 0o100755 }
}

/** One tar entry for {@link tgz}. */
export interface TarEntry {
  name: string
  type?: 'file' | 'directory' | 'symlink' | 'link'
  data?: Buffer | string
  linkname?: string
  mode?: number
}

/** A gzipped tar of `entries`. */
export async function tgz(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack()
  const chunks: Buffer[] = []
  const collected = (async () => {
    for await (const c of pack) chunks.push(c as Buffer)
  })()
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? 'file', mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644), linkname: e.linkname, mtime: new Date('2023-06-12T00:00:00Z') }
    const done = (ok: () => void, fail: (err: Error) => void) => (err?: Error | null) => (err ? fail(err) : ok())
    await new Promise<void>((ok, fail) => {
      pack.entry(header, header.type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0), done(ok, fail))
    })
  }
  pack.finalize()
  await collected
  return gzipSync(Buffer.concat(chunks))
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A `SHA256SUMS`/`SHASUMS256.txt` body (`<hex>  <name>` lines, as both upstreams write them). */
export function shasums(files: Record<string, Buffer>): string {
  return Object.entries(files).map(([name, data]) => `${sha256(data)}  ${name}\n`).join('')
}
