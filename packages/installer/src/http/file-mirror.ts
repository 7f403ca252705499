import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RunnerError } from '@runner-features/core'

/**
 * A file:// URL (a directory mirror, a mounted volume) opened as a download: no network at all,
 * so it works offline. A missing file is `DOWNLOAD_FAILED` with `status: 404`, like a mirror
 * that lacks it, so callers treat both alike.
 */
export async function openFileUrl(url: string): Promise<{ body: Readable; size: number }> {
  const path = filePathOf(url)
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new RunnerError('DOWNLOAD_FAILED', `not in the mirror directory (${err.code ?? 'unreadable'})`, {
      where: url,
      hint: 'the directory mirror lacks this file: rebuild it (runner features mirror build) or fix the rewrite',
      details: { status: err.code === 'ENOENT' ? 404 : undefined },
      cause: err,
    })
  })
  if (!info.isFile()) {
    throw new RunnerError('DOWNLOAD_FAILED', 'not a file in the mirror directory', { where: url, hint: 'a rewrite points at a directory where a file was expected; check that both sides end in "/"' })
  }
  return { body: createReadStream(path), size: info.size }
}

/** The size of a file:// URL, or undefined when it is missing. */
export async function fileUrlSize(url: string): Promise<number | undefined> {
  return stat(filePathOf(url)).then((s) => (s.isFile() ? s.size : undefined), () => undefined)
}

/**
 * The file a static web server would answer with: the query is dropped (`fileURLToPath` ignores
 * it, as `python3 -m http.server` does), and a directory URL (`…/go.dev/dl/?mode=json`) is its
 * `index.html`, where `runner features mirror build` writes such an index.
 */
function filePathOf(url: string): string {
  const path = fileURLToPath(url)
  return new URL(url).pathname.endsWith('/') ? join(path, 'index.html') : path
}
