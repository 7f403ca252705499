#!/usr/bin/env node
// Entry point. `--version` and the hot paths in dist/fast.js answer before @oclif/core is imported
// (see src/fast.ts for why); everything else goes to oclif.
import { readFileSync } from 'node:fs'
import module from 'node:module'

module.enableCompileCache?.()
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  // Same text as oclif's own --version: <name>/<version> <platform>-<arch> node-<version>
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const { fastPath } = await import('../dist/fast.js')
  if (!(await fastPath(argv))) {
    const { execute } = await import('@oclif/core')
    await execute({ dir: import.meta.url })
  }
}
