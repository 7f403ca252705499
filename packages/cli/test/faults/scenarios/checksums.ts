import { readFile } from 'node:fs/promises'
import type { Scenario } from '../scenario.js'
import { overlaySigned, SIGNATURE_SUFFIXES } from '../signing.js'
import { faultThenHeal, TF, TF_INDEX, TF_SUMS, TF_ZIP } from './common.js'

const tf = `terraform@${TF}`
const html = '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in to the mirror.</body></html>\n'
/** What a broken checksum file may be reported as: its signature no longer matches, or (re-signed) it does not parse or list the file. */
const BAD_SUMS = ['SIGNATURE_INVALID', 'UPSTREAM_FORMAT', 'CHECKSUM_MISSING']

/**
 * A bad checksum file, signature or index fails closed, and is not cached: once the mirror serves
 * the right file again, the next install (without --refresh) succeeds.
 */
export const checksumScenarios: Scenario[] = [
  { name: 'sums: HTML page instead of the checksum file → coded error, not cached', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_SUMS, { kind: 'body', body: html }]], codes: BAD_SUMS }) },
  { name: 'sums: empty checksum file → coded error, not cached', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_SUMS, { kind: 'body', body: '', contentType: 'text/plain' }]], codes: BAD_SUMS }) },
  {
    name: 'sums: checksum file without the archive\'s line (validly signed) → CHECKSUM_MISSING, not cached',
    run: async (t) => {
      const real = await readFile(`${t.world.mirrorRoot}/hashicorp/terraform/${TF}/${TF_SUMS}`, 'utf8')
      await overlaySigned(t.server, TF_SUMS, real.split('\n').filter((l) => !l.endsWith(TF_ZIP)).join('\n'), SIGNATURE_SUFFIXES.terraform)
      await faultThenHeal(t, { spec: tf, codes: ['CHECKSUM_MISSING'] })
    },
  },
  {
    name: 'sums: signature files missing (404) → SIGNATURE_MISSING, nothing downloaded',
    run: async (t) => {
      for (const suffix of SIGNATURE_SUFFIXES.terraform) t.server.inject(`${TF_SUMS}${suffix}`, { kind: 'status', status: 404 })
      await faultThenHeal(t, { spec: tf, codes: ['SIGNATURE_MISSING'], after: async () => void (t.server.count(TF_ZIP) && t.problem('the archive was downloaded although the checksum file is unsigned')) })
    },
  },
  {
    name: 'sums: HTML page instead of the signature → SIGNATURE_INVALID or SIGNATURE_MISSING, not cached',
    run: async (t) => {
      for (const suffix of SIGNATURE_SUFFIXES.terraform) t.server.inject(`${TF_SUMS}${suffix}`, { kind: 'body', body: html })
      await faultThenHeal(t, { spec: tf, codes: ['SIGNATURE_INVALID', 'SIGNATURE_MISSING'] })
    },
  },
  { name: 'sums: HTML page instead of the release index → UPSTREAM_FORMAT, not cached', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_INDEX, { kind: 'body', body: html }]], codes: ['UPSTREAM_FORMAT'] }) },
  { name: 'sums: tampered archive bytes → CHECKSUM_MISMATCH, nothing cached', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'tamper' }]], codes: ['CHECKSUM_MISMATCH'] }) },
  { name: 'sums: tampered Node tarball → CHECKSUM_MISMATCH, nothing cached', run: (t) => faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, inject: [[`node-v${t.world.nodeVersion}-linux-x64.tar.gz`, { kind: 'tamper' }]], codes: ['CHECKSUM_MISMATCH'] }) },
]
