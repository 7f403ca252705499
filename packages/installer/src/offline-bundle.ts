import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import { RunnerError } from '@runner-features/core'

/** Every regular file under `root`, as `/`-separated relative paths, sorted (a stable bundle). */
async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
  }
  return out.sort()
}

/** Packs the regular files under `root` into an uncompressed tar at `out` (written to a temp name, then renamed). */
export async function packDirectory(root: string, out: string): Promise<void> {
  const pack = tar.pack()
  const tmp = `${out}.tmp-${process.pid}`
  const written = pipeline(pack, createWriteStream(tmp))
  try {
    for (const name of await filesUnder(root)) {
      const path = join(root, ...name.split('/'))
      const { size } = await stat(path)
      const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) })
      await pipeline(createReadStream(path), entry)
    }
    pack.finalize()
    await written
    await rename(tmp, out)
  } catch (err) {
    pack.destroy()
    await written.catch(() => undefined)
    await rm(tmp, { force: true })
    throw err
  }
}

/**
 * Unpacks a bundle into `dest`: regular files and directories only, no absolute paths, no `..`,
 * no links; anything else is `BUNDLE_INVALID` (a bundle crosses an air gap: treat it as hostile).
 * Files are checked against the bundle's manifest by the caller.
 */
export async function unpackBundle(bundle: string, dest: string): Promise<void> {
  const extract = tar.extract()
  const invalid = (why: string) => new RunnerError('BUNDLE_INVALID', why, { where: bundle, hint: 'make the bundle with `runner features vendor -o <file>` and copy it unchanged' })
  const done = (async () => {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '')
      const parts = name.split('/').filter(Boolean)
      if (name.startsWith('/') || parts.some((p) => p === '..' || p === '.' || p.includes('\0'))) throw invalid(`entry "${name}" leaves the bundle`)
      if (entry.header.type === 'directory') {
        await mkdir(join(dest, ...parts), { recursive: true })
        entry.resume()
        continue
      }
      if (entry.header.type !== 'file' || !parts.length) throw invalid(`entry "${name}" is a ${entry.header.type}, not a file`)
      const target = join(dest, ...parts)
      await mkdir(dirname(target), { recursive: true })
      await pipeline(entry, createWriteStream(target, { flags: 'wx', mode: 0o644 }))
    }
  })()
  try {
    await Promise.all([pipeline(createReadStream(bundle), extract), done])
  } catch (err) {
    if (err instanceof RunnerError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !(await stat(bundle).catch(() => undefined))) {
      throw new RunnerError('BUNDLE_INVALID', 'the bundle file does not exist', { where: bundle, hint: 'give the path of a file written by `runner features vendor -o`', cause: err })
    }
    if (code === 'EEXIST') throw invalid('the bundle lists a file twice')
    throw invalid(`not a readable tar: ${(err as Error).message}`)
  }
}
