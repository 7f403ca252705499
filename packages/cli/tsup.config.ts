import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.mjs'
import { fsWithoutFacade } from './scripts/fs-without-facade.mjs'

// Core and the engine are bundled from source (the `source` export condition) so tree-shaking works across it.
const fromSource = {
  noExternal: ['@runner-features/core', '@runner-features/engine', 'semver'],
  esbuildOptions(options: { conditions?: string[] }) {
    options.conditions = ['source', 'import', 'default']
  },
}

export default defineConfig([
  // oclif commands: separate entries (oclif loads them by path), shared code in chunks.
  packageBuild({ entry: ['src/index.ts', 'src/commands/**/*.ts'], splitting: true, ...fromSource }),
  // Hot paths answered before oclif loads: each its own unsplit file, so `features list` loads
  // only what it runs (esbuild would otherwise put semver in a chunk the list path also needs);
  // fs without Node's ESM facade and fs/promises loaded on first use (scripts/fs-without-facade.mjs;
  // tsup's node:-prefix remover would resolve them first).
  packageBuild({ entry: ['src/fast.ts', 'src/fast-noop.ts', 'src/fast-install.ts'], splitting: false, clean: false, external: ['./fast-noop.js', './fast-install.js'], esbuildPlugins: [fsWithoutFacade], removeNodeProtocol: false, ...fromSource }),
])
