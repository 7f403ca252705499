import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { ExtractWriter } from './writer.js'

let dest: string

beforeEach(async () => {
  dest = await mkdtemp(join(tmpdir(), 'rf-writer-'))
})

afterEach(async () => {
  await rm(dest, { recursive: true, force: true })
})

/** A clock on which every synchronous write seems to take 1 ms: the writer must switch to async writes. */
function slowClock(): () => number {
  let t = 0
  return () => (t += 1)
}

/** A clock on which writes take no time: the writer stays synchronous. */
const fastClock = (): number => 0

describe.each([
  ['synchronous writes (fast filesystem)', () => fastClock],
  ['async writes after the probe (slow filesystem)', slowClock],
])('%s', (_label, clock) => {
  test('writes many small files across directories, in order for a repeated path', async () => {
    const writer = new ExtractWriter({ dest, strip: 0, source: 'test' }, clock())
    for (let i = 0; i < 100; i++) await writer.file(`d${i % 7}/f${i}`, `d${i % 7}/f${i}`, 0o644, Buffer.from(`file ${i}`))
    // The same path twice: the later entry wins, as with tar.
    await writer.file('d0/f0', 'd0/f0', 0o755, Buffer.from('second'))
    await writer.hardlink('hl', 'hl', 'd0/f0')
    await writer.settle()

    expect(writer.stats).toEqual({ files: 102, bytes: 100 * 'file 1'.length + 90 + 'second'.length })
    expect((await readdir(dest)).length).toBe(8)
    expect(await readFile(join(dest, 'd3/f10'), 'utf8')).toBe('file 10')
    expect(await readFile(join(dest, 'd0/f0'), 'utf8')).toBe('second')
    expect((await stat(join(dest, 'hl'))).ino).toBe((await stat(join(dest, 'd0/f0'))).ino)
  })

  test('a file where a directory already is: ARCHIVE_UNSUPPORTED, surfaced by settle at the latest', async () => {
    const writer = new ExtractWriter({ dest, strip: 0, source: 'test' }, clock())
    for (let i = 0; i < 40; i++) await writer.file(`f${i}`, `f${i}`, 0o644, Buffer.from('x'))
    await writer.directory('taken', 'taken/', 0o755)
    const error = await writer
      .file('taken', 'taken', 0o644, Buffer.from('x'))
      .then(() => writer.settle())
      .then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'ARCHIVE_UNSUPPORTED', where: 'test: taken' })
  })
})

test('after abort nothing more is written', async () => {
  const writer = new ExtractWriter({ dest, strip: 0, source: 'test' }, fastClock)
  const reason = new Error('input failed')
  writer.abort(reason)
  await expect(writer.file('late', 'late', 0o644, Buffer.from('x'))).rejects.toBe(reason)
  await expect(writer.symlink('l', 'l', 'late')).rejects.toBe(reason)
  expect(await readdir(dest)).toEqual([])
})
