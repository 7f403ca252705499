import { existsSync, readdirSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { shasums, terraformEntry, zip } from '../archives.js'
import { waitFor, type RunOptions } from '../box.js'
import type { Ctx, Scenario } from '../scenario.js'
import { overlaySigned, SIGNATURE_SUFFIXES } from '../signing.js'
import { nodeTarball, TF, TF_SUMS, TF_ZIP } from './common.js'

const tf = `terraform@${TF}`

/** Entries of a version dir that only an install in progress has (staging, temp dirs): anything hidden. */
const inProgress = (versionDir: string) => (existsSync(versionDir) ? readdirSync(versionDir).filter((n) => n.startsWith('.')) : [])

/**
 * Starts an install, waits for `phase` (observed from outside: server bytes, files appearing,
 * the smoke test's own marker), kills the process group with SIGKILL, then runs the same install
 * again with the fault gone: it must succeed, sweep what the killed run left, and leave nothing.
 */
async function killAt(t: Ctx, o: { spec: string; phase: string; reached: () => boolean; opts?: RunOptions; heal?: () => Promise<void>; rerunOpts?: RunOptions }): Promise<void> {
  const run = t.box.start(['features', 'install', o.spec], o.opts)
  let finishedFirst = false
  void run.done.then(() => (finishedFirst = true))
  const hit = await waitFor(() => finishedFirst || o.reached(), 60_000)
  const killed = await run.kill9()
  if (!hit || killed.signal !== 'SIGKILL') {
    t.problem(`phase "${o.phase}" was not reached before the run ${finishedFirst ? `ended (exit ${killed.exitCode}): ${killed.stderr.trim().split('\n').slice(-3).join(' | ')}` : 'timed out'}; the kill did not test it`)
  }
  t.server.heal()
  await o.heal?.()
  await t.expectSuccess(`re-run after kill -9 while ${o.phase}`, await t.install([o.spec], o.rerunOpts))
}

/** kill -9 at each install phase, then a clean re-run. */
export const killScenarios: Scenario[] = [
  {
    name: 'kill -9 while downloading (Node tarball, 8 MiB in) → re-run succeeds, nothing left',
    run: async (t) => {
      const file = nodeTarball(t.world)
      t.server.inject(file, { kind: 'stall', afterBytes: 8 << 20 })
      await killAt(t, { spec: `nodejs@${t.world.nodeVersion}`, phase: 'downloading', reached: () => [...t.server.bytesSent].some(([p, n]) => p.endsWith(file) && n >= 8 << 20) })
    },
  },
  {
    name: 'kill -9 while extracting from the download cache (Node) → re-run succeeds, nothing left',
    run: async (t) => {
      const spec = `nodejs@${t.world.nodeVersion}`
      await t.expectSuccess('first install', await t.install([spec]))
      await t.expectSuccess('uninstall', await t.box.run(['features', 'uninstall', spec]))
      const versionDir = join(t.box.toolCache, 'node', t.world.nodeVersion)
      await killAt(t, { spec, phase: 'extracting', reached: () => inProgress(versionDir).some((n) => existsSync(join(versionDir, n, 'bin')) || existsSync(join(versionDir, n, 'include'))) })
    },
  },
  {
    name: 'kill -9 during the smoke test → re-run succeeds, nothing left',
    run: async (t) => {
      // A stand-in terraform whose `version` is slow while the flag file exists (the mirror stays the same for the re-run).
      const flag = join(t.box.dir, 'slow-smoke')
      const started = join(t.box.dir, 'smoke-started')
      const archive = await zip([terraformEntry(TF, `if [ -e '${flag}' ]; then : > '${started}'; sleep 60; fi`)])
      const serve = async () => {
        t.server.overlay(TF_ZIP, archive)
        await overlaySigned(t.server, TF_SUMS, shasums({ [TF_ZIP]: archive }), SIGNATURE_SUFFIXES.terraform)
      }
      await serve()
      await writeFile(flag, '')
      await killAt(t, { spec: tf, phase: 'running the smoke test', reached: () => existsSync(started), heal: async () => (await serve(), await rm(flag)) })
    },
  },
  {
    name: 'kill -9 right after the install dir is renamed into place (before marker/record) → re-run succeeds, nothing left',
    run: async (t) => {
      const installDir = join(t.box.toolCache, 'terraform', TF, 'x64')
      await killAt(t, { spec: tf, phase: 'after the rename into place', opts: { delayRenames: { when: 'exit', ms: 700 } }, reached: () => existsSync(installDir) })
    },
  },
  {
    name: 'kill -9 while the state manifest is being written (temp file written, not renamed) → re-run succeeds, nothing left',
    run: async (t) => {
      const stateTemp = () => (existsSync(t.box.stateDir) ? readdirSync(t.box.stateDir).some((n) => n !== 'state.json' && !n.endsWith('.lock') && n.startsWith('state.json')) : false)
      await killAt(t, { spec: tf, phase: 'writing the state manifest', opts: { delayRenames: { when: 'enter', ms: 700 } }, reached: stateTemp })
    },
  },
  ...(['SIGTERM', 'SIGINT'] as const).map((signal): Scenario => ({
    name: `${signal} while downloading (Node tarball, 8 MiB in) → INTERRUPTED, cleaned up at once`,
    run: async (t) => {
      const file = nodeTarball(t.world)
      t.server.inject(file, { kind: 'stall', afterBytes: 8 << 20 })
      const run = t.box.start(['features', 'install', `nodejs@${t.world.nodeVersion}`])
      if (!(await waitFor(() => [...t.server.bytesSent].some(([p, n]) => p.endsWith(file) && n >= 8 << 20), 60_000))) t.problem('the download never reached 8 MiB')
      run.signal(signal)
      const stopped = await Promise.race([run.done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000))])
      if (!stopped) {
        t.problem(`the install was still running 15 s after ${signal}`)
        await run.kill9()
      } else await t.expectError(`install stopped by ${signal}`, stopped, ['INTERRUPTED'])
      t.server.heal()
      await t.expectSuccess(`re-run after ${signal}`, await t.install([`nodejs@${t.world.nodeVersion}`]))
    },
  })),
]
