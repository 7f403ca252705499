import type { Scenario } from '../scenario.js'
import { faultThenHeal, nodeTarball, TF, TF_INDEX, TF_ZIP } from './common.js'

const tf = `terraform@${TF}`

/** Mirror misbehaviour on the wire: transient faults must be retried to success, permanent ones end in DOWNLOAD_FAILED. */
export const networkScenarios: Scenario[] = [
  { name: 'net: 503 once on the archive → retried', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'status', status: 503 }, 1]] }) },
  { name: 'net: 503 once on the release index → retried', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_INDEX, { kind: 'status', status: 503 }, 1]] }) },
  { name: 'net: 503 on every request → DOWNLOAD_FAILED', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'status', status: 503 }]], codes: ['DOWNLOAD_FAILED'] }) },
  { name: 'net: 404 on the archive → DOWNLOAD_FAILED', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'status', status: 404 }]], codes: ['DOWNLOAD_FAILED'] }) },
  {
    name: 'net: 429 + Retry-After: 2 once → waits as told, then succeeds',
    run: async (t) => {
      await faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'status', status: 429, retryAfter: 2 }, 1]] })
      const tries = t.server.requests.filter((r) => r.path.endsWith(TF_ZIP))
      const gap = tries.length >= 2 ? tries[1]!.at - tries[0]!.at : -1
      if (gap < 1_900) t.problem(`Retry-After: 2 ignored: the retry came ${gap} ms after the 429`)
    },
  },
  {
    name: 'net: 429 + Retry-After: 3600 once → waits no longer than the cap, then succeeds',
    run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'status', status: 429, retryAfter: 3600 }, 1]], opts: { timeoutMs: 90_000 } }),
  },
  { name: 'net: 429 + Retry-After: 1 on every request → DOWNLOAD_FAILED', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'status', status: 429, retryAfter: 1 }]], codes: ['DOWNLOAD_FAILED'] }) },
  { name: 'net: reset before headers once → retried', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'reset-before-headers' }, 1]] }) },
  { name: 'net: reset before headers always → DOWNLOAD_FAILED', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'reset-before-headers' }]], codes: ['DOWNLOAD_FAILED'] }) },
  { name: 'net: reset mid-body once → retried', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'reset-mid-body', afterBytes: 200 }, 1]] }) },
  { name: 'net: truncated body (full Content-Length) once → retried', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'truncate', afterBytes: 200 }, 1]] }) },
  { name: 'net: Content-Length too long once → retried', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'long-length', extra: 1000 }, 1]] }) },
  { name: 'net: stall mid-body once → idle timeout, retried', run: (t) => faultThenHeal(t, { spec: tf, inject: [[TF_ZIP, { kind: 'stall', afterBytes: 200 }, 1]], opts: { timeoutMs: 100_000 } }) },
  {
    name: 'net: HTTP/1.0 close-after-body under backpressure, 3 fresh Node installs → all succeed',
    faults: 3,
    run: async (t) => {
      t.server.inject('', { kind: 'http10-close' })
      for (let i = 1; i <= 3; i++) {
        await t.expectSuccess(`Node install ${i} from an HTTP/1.0 mirror`, await t.install([`nodejs@${t.world.nodeVersion}`]))
        await t.box.run(['features', 'uninstall', `nodejs@${t.world.nodeVersion}`])
        await import('node:fs/promises').then((fs) => fs.rm(`${t.box.cacheDir}/downloads`, { recursive: true, force: true }))
      }
    },
  },
  { name: 'net: Node tarball truncated once → retried', run: (t) => faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, inject: [[nodeTarball(t.world), { kind: 'truncate', afterBytes: 5 << 20 }, 1]] }) },
  { name: 'net: Node tarball Content-Length too long once → retried', run: (t) => faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, inject: [[nodeTarball(t.world), { kind: 'long-length', extra: 4096 }, 1]] }) },
  { name: 'net: Node tarball reset mid-body once → retried', run: (t) => faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, inject: [[nodeTarball(t.world), { kind: 'reset-mid-body', afterBytes: 10 << 20 }, 1]] }) },
  {
    name: 'net: Node tarball reset mid-body once → resumed with Range',
    run: async (t) => {
      await faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, inject: [[nodeTarball(t.world), { kind: 'reset-mid-body', afterBytes: 10 << 20 }, 1]] })
      const retry = t.server.requests.filter((r) => r.path.endsWith(nodeTarball(t.world)))[1]
      if (!retry?.range) t.problem(`the retry after a reset at 10 MiB did not resume (no Range header; server sends Accept-Ranges)`)
    },
  },
  { name: 'net: Node tarball truncated on every request → DOWNLOAD_FAILED', run: (t) => faultThenHeal(t, { spec: `nodejs@${t.world.nodeVersion}`, inject: [[nodeTarball(t.world), { kind: 'truncate', afterBytes: 1 << 20 }]], codes: ['DOWNLOAD_FAILED'] }) },
]
