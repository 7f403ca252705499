// Runs the whole vitest suite and ends with one plain summary line, "N passed, N failed, N skipped",
// which CI reads (vitest's own summary is not in that form). Exit code is vitest's.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

mkdirSync('.cache', { recursive: true })
const report = '.cache/vitest-report.json'
rmSync(report, { force: true })
const res = spawnSync('pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { stdio: 'inherit' })
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`)
} else {
  console.log('\n0 passed, 1 failed (vitest produced no report)')
}
process.exit(res.status ?? 1)
