#!/usr/bin/env node
// Entry point. `--version` and the hot paths in dist/fast.js answer before @oclif/core is imported
// (see src/fast.ts for why); everything else goes to oclif.
// No top-level await on purpose: a run whose promise never settles (a stream error nobody heard)
// would end as exit 13 "unsettled top-level await"; here it ends with the exit code the last line
// of defence (src/last-line.ts) set.
import module from 'node:module'

// Not `import … from 'node:fs'`: Node's ESM facade of fs reads every export, and its lazy stream
// getters load the streams stack (≈ 2-3 ms; docs/benchmarks.md). getBuiltinModule/require build none.
const { readFileSync, writeSync } = process.getBuiltinModule?.('node:fs') ?? module.createRequire(import.meta.url)('node:fs')

module.enableCompileCache?.()
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  // Same text as oclif's own --version: <name>/<version> <platform>-<arch> node-<version>
  const text = `${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`
  try {
    writeSync(1, text)
  } catch (err) {
    // EPIPE: the reader went away (`| head -c0`), nothing to do; EAGAIN: a full non-blocking pipe.
    if (err?.code === 'EAGAIN') process.stdout.write(text)
    else if (err?.code !== 'EPIPE') throw err
  }
} else {
  import('../dist/fast.js')
    .then(async ({ fastPath, guardProcess, runOclif }) => {
      guardProcess(argv)
      if (!(await fastPath(argv))) await runOclif(argv, import.meta.url)
    })
    .catch((err) => {
      // Only reached when dist/fast.js itself cannot load (a broken install): still no stack trace.
      const message = `unexpected error: ${String(err?.message ?? err).replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s]*@/gi, '$1***@')}`
      const hint = 'reinstall @runner-features/cli; if it persists, please report it with `runner --version`'
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: { code: 'INTERNAL_ERROR', message, hint } }, null, 2)}\n`)
      else process.stderr.write(`error INTERNAL_ERROR: ${message}\n  hint: ${hint}\n`)
      process.exitCode = 1
    })
}
