import { writeOut } from '../output.js'
import type { DoctorResult } from './doctor.js'

/** Human output (`--json` prints the result itself): one line per installed version (its lookup), then each problem with its hint. */
export function printDoctor(result: DoctorResult): void {
  const out = [`tool cache ${result.toolCache}, bin dir ${result.binDir}`]
  if (!result.features.length) out.push('Installed: none')
  for (const f of result.features) {
    out.push(`  ${f.id} ${f.version} (${f.arch}): ${f.action ?? 'tool-cache find()'} ${f.find.hit ? 'hit' : 'miss'} ${f.find.hit ? f.find.path : `(${f.find.reason})`}`)
  }
  for (const p of result.problems) {
    const state = p.fixed ? 'fixed' : p.fixed === false ? `not fixed: ${p.fixError}` : p.fixable ? 'fixable with --fix' : ''
    out.push(`${p.severity} ${p.kind}: ${p.message}${state ? ` [${state}]` : ''}`, `  hint: ${p.hint}`)
  }
  out.push(result.ok ? (result.problems.length ? 'No errors.' : 'No problems found.') : 'Problems found.')
  writeOut(`${out.join('\n')}\n`)
}
