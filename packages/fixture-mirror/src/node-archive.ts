import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, posix } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import tar from 'tar-stream'

/** Files of the npm package that are not part of an upstream Node tarball. */
const NOT_UPSTREAM = new Set(['package.json'])

type TarEntry = tar.Extract extends AsyncIterable<infer E> ? E : never

/** Reads the entries of a gzipped tarball; each entry must be consumed before the next is read. */
async function* tgzEntries(path: string): AsyncGenerator<TarEntry> {
  const extract = tar.extract()
  const feeding = pipeline(createReadStream(path), createGunzip(), extract)
  feeding.catch(() => {}) // surfaced by the iterator below
  yield* extract
  await feeding
}

/** Buffers the contents of one entry of a gzipped tarball (undefined when absent). */
export async function readTgzEntry(path: string, name: string): Promise<Buffer | undefined> {
  let found: Buffer | undefined
  for await (const entry of tgzEntries(path)) {
    if (entry.header.name !== name) {
      entry.resume()
      continue
    }
    const chunks: Buffer[] = []
    for await (const chunk of entry) chunks.push(chunk as Buffer)
    found = Buffer.concat(chunks)
  }
  return found
}

/**
 * Rewrites the `node-linux-<arch>` npm package (a real Node build under `package/`) as the tar an
 * upstream `node-v<V>-linux-<arch>.tar.*` holds: everything under one top directory
 * (`node-v<V>-linux-<arch>/bin/node`, `include/`, `share/`, LICENSE…), directory entries included,
 * owner 0:0 and a fixed mtime so the output is reproducible.
 */
export async function writeNodeTar(npmTgz: string, topDir: string, outTar: string, mtime: Date): Promise<void> {
  const pack = tar.pack()
  const written = pipeline(pack, createWriteStream(outTar))
  const owner = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime }
  const dirs = new Set<string>()
  const addDir = (dir: string) => {
    if (dir === '.' || dirs.has(dir)) return
    addDir(posix.dirname(dir))
    dirs.add(dir)
    pack.entry({ ...owner, name: `${dir}/`, type: 'directory', mode: 0o755 })
  }
  for await (const entry of tgzEntries(npmTgz)) {
    const rel = entry.header.name.replace(/^package\//, '')
    if (entry.header.type !== 'file' || NOT_UPSTREAM.has(rel)) {
      entry.resume()
      continue
    }
    const name = posix.join(topDir, rel)
    addDir(posix.dirname(name))
    const sink = pack.entry({ ...owner, name, size: entry.header.size, mode: entry.header.mode ?? 0o644 })
    await pipeline(entry, sink)
  }
  pack.finalize()
  await written
}

/** `<tar>.gz` with node:zlib. */
export async function gzipFile(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src), createGzip({ level: 6 }), createWriteStream(dest))
}

/** `<tar>.xz` with the `xz` binary (apt-get install xz-utils). Level 1: ~10 s instead of ~70 s at -6 for a 150 MB tar. */
export async function xzFile(src: string, dest: string): Promise<void> {
  const out = await open(dest, 'w')
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('xz', ['-T0', '-1', '-c', src], { stdio: ['ignore', out.fd, 'pipe'] })
      let stderr = ''
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
      child.on('error', (err) => reject(new Error(`fixture-mirror: cannot run xz for ${dirname(dest)} (${err.message}); install xz-utils`)))
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`fixture-mirror: xz exited ${code}: ${stderr.trim()}`))))
    })
  } finally {
    await out.close()
  }
}
