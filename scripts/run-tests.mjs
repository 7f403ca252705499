// Runs the whole vitest suite and ends with one plain summary line, "N passed, N failed, N skipped",
// which CI reads (vitest's own summary is not in that form). Exit code is vitest's.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

mkdirSync('.cache', { recursive: true })
const report = '.cache/vitest-report.json'
rmSync(report, { force: true })
// The root tests' tools (debootstrap, chroot, dockerd) live in sbin; a PATH without it (a minimal
// CI shell, `env -i`) made debootstrap fail with "Unable to execute target architecture".
const path = (process.env.PATH ?? '').split(':').filter(Boolean)
const sbin = ['/usr/local/sbin', '/usr/sbin', '/sbin'].filter((d) => !path.includes(d))
const env = { ...process.env, PATH: [...path, ...sbin].join(':') }
const res = spawnSync('pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { stdio: 'inherit', env })
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  // A file whose beforeAll throws fails with its tests marked skipped: count it as a failure too.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${skipped} skipped${brokenFiles ? ` (${brokenFiles} test files failed before their tests ran)` : ''}`)
} else {
  console.log('\n0 passed, 1 failed (vitest produced no report)')
}
process.exit(res.status ?? 1)
