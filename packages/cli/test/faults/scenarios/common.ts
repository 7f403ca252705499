import type { Ctx, World } from '../scenario.js'
import type { Fault } from '../fault-server.js'
import type { RunOptions } from '../box.js'

/** The terraform release most scenarios install: a 435-byte zip, so a scenario costs about a second. */
export const TF = '1.5.0'
export const TF_ZIP = `terraform_${TF}_linux_amd64.zip`
export const TF_SUMS = `terraform_${TF}_SHA256SUMS`
export const TF_INDEX = 'hashicorp/terraform/index.json'

export const nodeTarball = (w: World) => `node-v${w.nodeVersion}-linux-x64.tar.gz`
export const nodeSums = (w: World) => `v${w.nodeVersion}/SHASUMS256.txt`

/**
 * The shape most faults share: break the mirror, install, check the outcome (a retry that
 * succeeds, or one of `codes`) and that nothing was left; heal the mirror, install again without
 * `--refresh`, and check that succeeds and leaves nothing either.
 */
export async function faultThenHeal(t: Ctx, o: { spec: string; inject?: Array<[string, Fault, number?]>; codes?: string[]; opts?: RunOptions; after?: (ctx: Ctx) => Promise<void> }): Promise<void> {
  for (const [suffix, fault, times] of o.inject ?? []) t.server.inject(suffix, fault, times)
  const first = await t.install([o.spec], o.opts)
  if (o.codes) await t.expectError('faulted run', first, o.codes)
  else await t.expectSuccess('faulted run (retry must succeed)', first)
  await o.after?.(t)
  t.server.heal()
  await t.expectSuccess('re-run after the fault is gone', await t.install([o.spec], o.opts))
}
