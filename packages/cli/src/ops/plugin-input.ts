import { stat } from 'node:fs/promises'
import { RunnerError } from '@runner-features/core'
import { discover, type Runtime } from '../runtime.js'

/** npm names never start with `.`, `/` or `~`, nor end in `.tgz`: such an argument is a local path. */
export function looksLikePath(spec: string): boolean {
  return /^(\.{1,2}(\/|$)|\/|~)/.test(spec) || /\.(tgz|tar\.gz)$/.test(spec)
}

/**
 * Checks a `plugins install` argument before anything is fetched: a local path that does not exist
 * is a clear local error (not an npm 404), and a bundled feature's id (`nodejs`, which on npm is an
 * unrelated package) or package name says it is bundled instead of downloading something else.
 */
export async function checkPluginArgument(rt: Runtime, spec: string): Promise<void> {
  if (looksLikePath(spec)) {
    if (!(await stat(spec).then(() => true, () => false))) {
      throw new RunnerError('PLUGIN_INSTALL_FAILED', `${spec} does not exist`, {
        where: spec,
        hint: 'give the path of a plugin directory (with its package.json) or of an `npm pack` tarball; nothing was fetched',
      })
    }
    return
  }
  const name = spec.replace(/(.)@.*$/, '$1')
  const bundled = (await discover(rt)).plugins.find((p) => p.origin === 'bundled' && (p.manifest.id === name || p.name === name))
  if (bundled) {
    throw new RunnerError('INVALID_ARGUMENT', `${bundled.manifest.id} is bundled with the CLI (${bundled.name}@${bundled.version}); there is no plugin to install`, {
      where: spec,
      hint: `install the tool itself with \`runner features install ${bundled.manifest.id}@<version>\`; \`runner features list\` shows the bundled features`,
    })
  }
}
