// esbuild plugin for the hot-path bundles (dist/fast*.js: `--version`, `features list`, the no-op
// install). Measured (docs/benchmarks.md): an ES-module `import … from 'node:fs'` makes Node build
// the ESM facade of fs, which reads every export once, including the lazy `ReadStream`/`WriteStream`
// getters that load Node's whole streams stack (≈ 2-3 ms, a tenth of a bare `node -e 0`); and
// loading `fs/promises` at all costs ≈ 1.2 ms (it pulls in readline and REPL history modules) on
// paths that make no async file call. So in these bundles:
//   - `fs` comes from `process.getBuiltinModule` (no facade), re-exported value by value; its lazy
//     getters are not re-exported, so importing one fails the build instead of loading streams;
//   - `fs/promises` exports are functions that load the module on their first call.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const NAMESPACE = 'fs-without-facade'
const identifier = /^[A-Za-z_$][\w$]*$/

/** The builtin, without a facade; `require` where `process.getBuiltinModule` is missing (Node < 22.3). */
const loader = `import { createRequire } from 'node:module'
const builtin = (id) => process.getBuiltinModule?.(id) ?? createRequire(import.meta.url)(id)`

function fsModule() {
  const fs = require('node:fs')
  const names = Object.getOwnPropertyNames(fs).filter((k) => identifier.test(k) && k !== 'default' && 'value' in Object.getOwnPropertyDescriptor(fs, k))
  // Pure calls, so esbuild drops the exports a bundle does not use (a plain `fs.x` read it keeps).
  return [loader, `const fs = builtin('node:fs')`, 'const pick = (name) => fs[name]', ...names.map((k) => `export const ${k} = /* @__PURE__ */ pick('${k}')`), 'export default fs'].join('\n')
}

function fsPromisesModule() {
  const promises = require('node:fs/promises')
  const names = Object.getOwnPropertyNames(promises).filter((k) => identifier.test(k) && typeof promises[k] === 'function')
  if (promises.constants !== require('node:fs').constants) throw new Error('fs-without-facade: fs/promises.constants is no longer fs.constants')
  return [
    loader,
    'let promises',
    `const load = () => (promises ??= builtin('node:fs/promises'))`,
    `const fsConstants = () => builtin('node:fs').constants`,
    'export const constants = /* @__PURE__ */ fsConstants()',
    ...names.map((k) => `export function ${k}(...args) { return load().${k}(...args) }`),
  ].join('\n')
}

export const fsWithoutFacade = {
  name: NAMESPACE,
  setup(build) {
    build.onResolve({ filter: /^(node:)?fs(\/promises)?$/ }, (args) => ({ path: args.path.replace(/^node:/, ''), namespace: NAMESPACE }))
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: args.path === 'fs' ? fsModule() : fsPromisesModule(), loader: 'js' }))
  },
}
