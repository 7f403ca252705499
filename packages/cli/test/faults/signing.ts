import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signFile } from '@runner-features/fixture-mirror'
import type { FaultServer } from './fault-server.js'

/** Where each upstream puts the detached signature of a checksum file (HashiCorp publishes both names). */
export const SIGNATURE_SUFFIXES = { terraform: ['.72D7468F.sig', '.sig'], nodejs: ['.sig'] } as const

/**
 * Lays `body` over the checksum file at `path` together with a fresh signature by the fixture
 * mirrors' TEST key (the one the suite trusts): a mirror that re-signs what it serves, so the
 * product gets past the signature and the checksum file's content is what is under test.
 */
export async function overlaySigned(server: FaultServer, path: string, body: Buffer | string, suffixes: readonly string[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-faults-sign-'))
  try {
    const file = join(dir, 'sums')
    await writeFile(file, body)
    await signFile(file, ['.sig'])
    const signature = await readFile(`${file}.sig`)
    server.overlay(path, body)
    for (const suffix of suffixes) server.overlay(`${path}${suffix}`, signature)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
