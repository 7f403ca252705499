import type { Scenario } from '../scenario.js'
import { faultThenHeal, TF, TF_INDEX, TF_SUMS, TF_ZIP } from './common.js'

const tf = `terraform@${TF}`
const html = '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in to the mirror.</body></html>\n'

/**
 * A bad checksum file or index fails closed, and is not cached: once the mirror serves the right
 * file again, the next install (without --refresh) succeeds.
 */
export const checksumScenarios: Scenario[] = [
  { name: 'sums: HTML page instead of the checksum file → coded error, not cached', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_SUMS, { kind: 'body', body: html }]], codes: ['UPSTREAM_FORMAT', 'CHECKSUM_MISSING'] }) },
  { name: 'sums: empty checksum file → coded error, not cached', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_SUMS, { kind: 'body', body: '', contentType: 'text/plain' }]], codes: ['UPSTREAM_FORMAT', 'CHECKSUM_MISSING'] }) },
  {
    name: 'sums: checksum file without the archive\'s line → CHECKSUM_MISSING, not cached',
    run: async (t) => {
      const { readFile } = await import('node:fs/promises')
      const real = await readFile(`${t.world.mirrorRoot}/hashicorp/terraform/${TF}/${TF_SUMS}`, 'utf8')
      const without = real.split('\n').filter((l) => !l.endsWith(TF_ZIP)).join('\n')
      await faultThenHeal(t, { spec: tf, inject: [[TF_SUMS, { kind: 'body', body: without, contentType: 'text/plain' }]], codes: ['CHECKSUM_MISSING'] })
    },
  },
  { name: 'sums: HTML page instead of the release index → UPSTREAM_FORMAT, not cached', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_INDEX, { kind: 'body', body: html }]], codes: ['UPSTREAM_FORMAT'] }) },
  { name: 'sums: tampered archive bytes → CHECKSUM_MISMATCH, nothing cached', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'tamper' }]], codes: ['CHECKSUM_MISMATCH'] }) },
  { name: 'sums: tampered Node tarball → CHECKSUM_MISMATCH, nothing cached', run: (t) => faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, inject: [[`node-v${t.world.nodeVersion}-linux-x64.tar.gz`, { kind: 'tamper' }]], codes: ['CHECKSUM_MISMATCH'] }) },
]
