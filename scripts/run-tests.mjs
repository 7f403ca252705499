// Runs the whole vitest suite and ends with one plain summary line, "N passed, N failed, N skipped",
// which CI reads (vitest's own summary is not in that form). Exit code: non-zero if any lane failed.
//
// Why two lanes: vitest runs one worker on a 2-core machine, so the suite ran file after file and
// the CPU-bound image builds (arm64 under qemu) left the second core idle while the I/O-bound
// end-to-end tests waited on child processes. The image and root tests (private dockerd,
// debootstrap, binfmt) run in one lane, in order as before; everything else in the other lane,
// also in order. No file runs next to another of its own lane, so the lanes keep the isolation
// each test had when the suite was serial. With arguments (a filter, a path), one plain run.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createInterface } from 'node:readline'

mkdirSync('.cache', { recursive: true })
// The root tests' tools (debootstrap, chroot, dockerd) live in sbin; a PATH without it (a minimal
// CI shell, `env -i`) made debootstrap fail with "Unable to execute target architecture".
const path = (process.env.PATH ?? '').split(':').filter(Boolean)
const sbin = ['/usr/local/sbin', '/usr/sbin', '/sbin'].filter((d) => !path.includes(d))
const env = { ...process.env, PATH: [...path, ...sbin].join(':') }

// Filters (substrings of a path) for the heavy lane, and the same set as globs for the other one.
const HEAVY_FILTERS = ['images/test/', '.root.test.ts']
const HEAVY_GLOBS = ['images/test/**', '**/*.root.test.ts']
const args = process.argv.slice(2)
const lanes = args.length > 0
  ? [{ name: '', argv: args }]
  : [
      { name: 'images', argv: HEAVY_FILTERS },
      { name: 'main', argv: HEAVY_GLOBS.flatMap((glob) => ['--exclude', glob]) },
    ]

const results = await Promise.all(lanes.map(runLane))
const total = results.reduce((sum, r) => ({
  passed: sum.passed + r.passed, failed: sum.failed + r.failed, skipped: sum.skipped + r.skipped, broken: sum.broken + r.broken,
}), { passed: 0, failed: 0, skipped: 0, broken: 0 })
const code = results.some((r) => r.status !== 0) ? 1 : 0
console.log(`\n${total.passed} passed, ${total.failed + total.broken} failed, ${total.skipped} skipped${total.broken ? ` (${total.broken} test files failed before their tests ran)` : ''}`)
process.exit(code)

/** One vitest process; its lines are prefixed with the lane's name so interleaved output stays readable. */
function runLane({ name, argv }) {
  const report = `.cache/vitest-report${name ? `-${name}` : ''}.json`
  rmSync(report, { force: true })
  const child = spawn('pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...argv], {
    stdio: name ? ['ignore', 'pipe', 'pipe'] : 'inherit', env,
  })
  if (name) {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`))
    }
  }
  return new Promise((resolve) => {
    child.on('close', (status) => resolve({ status: status ?? 1, ...summarise(report) }))
  })
}

function summarise(report) {
  if (!existsSync(report)) return { passed: 0, failed: 1, skipped: 0, broken: 0 }
  const r = JSON.parse(readFileSync(report, 'utf8'))
  // A file whose beforeAll throws fails with its tests marked skipped: count it as a failure too.
  const broken = (r.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length
  return { passed: r.numPassedTests ?? 0, failed: r.numFailedTests ?? 0, skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0), broken }
}
