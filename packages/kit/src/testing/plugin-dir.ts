import { existsSync, readFileSync } from 'node:fs'
import type { Feature } from '@runner-features/core'
import { platformMatrixMarkdown } from '../matrix.js'
import { contractProblems } from './contract.js'

/**
 * The contract suite for a plugin folder: {@link contractProblems} plus the folder's shape — a
 * README that shows the generated platform matrix, a CHANGELOG, and `fixtures/README.md` saying
 * where each fixture comes from when there are fixtures. `dir` is the plugin folder (a `file:` URL
 * or a path ending in `/`).
 */
export function pluginProblems(dir: URL, feature: Feature): string[] {
  const at = (name: string) => new URL(name, dir)
  const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8')) as Parameters<typeof contractProblems>[1]
  const problems = contractProblems(feature, pkg)
  const readme = existsSync(at('README.md')) ? readFileSync(at('README.md'), 'utf8') : undefined
  if (!readme) problems.push('README.md is missing')
  else if (!readme.includes(platformMatrixMarkdown(feature))) problems.push('README.md does not show the generated platform matrix (platformMatrixMarkdown)')
  if (!existsSync(at('CHANGELOG.md'))) problems.push('CHANGELOG.md is missing')
  if (existsSync(at('fixtures/')) && !existsSync(at('fixtures/README.md'))) problems.push('fixtures/README.md must say where each fixture comes from')
  return problems
}
