import { createReadStream } from 'node:fs'
import { chmod, copyFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { RunnerError, type ArchiveKind } from '@runner-features/core'
import { extractTarStream } from './tar.js'
import type { ExtractOptions, ExtractStats } from './types.js'
import { extractZipFile } from './zip.js'

/** Read size for archives on disk: fewer, larger writes into the decompressor than the default 64 KiB. */
const READ_CHUNK = 256 << 10

export type { ExtractOptions, ExtractStats } from './types.js'
export { extractTarStream } from './tar.js'

/**
 * Extracts an archive that is already a file on disk: zip (which needs random access), or any kind
 * when re-installing from the download cache. `file` copies it to `dest/fileName`, mode 0755.
 * Same safety rules and errors as {@link extractTarStream}.
 */
export async function extractArchiveFile(path: string, kind: ArchiveKind, opts: ExtractOptions): Promise<ExtractStats> {
  switch (kind) {
    case 'tar.gz':
      return extractTarStream(createReadStream(path, { highWaterMark: READ_CHUNK }), 'gzip', opts)
    case 'tar.xz':
      return extractTarStream(createReadStream(path, { highWaterMark: READ_CHUNK }), 'xz', opts)
    case 'zip':
      return extractZipFile(path, opts)
    case 'file':
      return copyExecutable(path, opts)
  }
}

async function copyExecutable(path: string, opts: ExtractOptions): Promise<ExtractStats> {
  const name = opts.fileName
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new RunnerError('PLUGIN_INVALID', `an artifact of kind "file" needs a plain fileName, got ${JSON.stringify(name ?? null)}`, {
      where: opts.source,
      hint: 'set `fileName` on the artifact to the command name, e.g. "jq"',
    })
  }
  const target = join(opts.dest, name)
  await copyFile(path, target)
  await chmod(target, 0o755)
  const { size } = await stat(target)
  return { files: 1, bytes: size }
}
