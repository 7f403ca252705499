import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'

/** Hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

/**
 * Writes `dir/<listing>` in sha256sum format (`<hex>  <name>`, two spaces, sorted by name) covering
 * every regular file in `dir` except the listing itself, as SHASUMS256.txt and
 * `<product>_<v>_SHA256SUMS` are. Returns name → hash.
 */
export async function writeShasums(dir: string, listing: string): Promise<Map<string, string>> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isFile() && d.name !== listing)
    .map((d) => d.name)
    .sort()
  const sums = new Map<string, string>()
  for (const name of names) sums.set(name, await sha256File(join(dir, name)))
  await writeFile(join(dir, listing), [...sums].map(([name, hash]) => `${hash}  ${name}\n`).join(''))
  return sums
}
