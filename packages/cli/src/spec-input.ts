import { RunnerError } from '@runner-features/core'
import { truncate } from './usage-errors.js'

/** Feature ids as the plugins declare them (core's parser uses the same rule). */
const ID_RE = /^[a-z][a-z0-9-]*$/

/**
 * Checks each `<id>[@<spec>]` argument's shape before anything is planned or installed, so every
 * command reports a malformed one the same way: `@`, `""`, `../x@1` are INVALID_SPEC (never
 * "no plugin provides the feature """), `NodeJS@20` says ids are lower-case and names `nodejs@20`,
 * and a 5,000-character argument is echoed cut short.
 */
export function checkFeatureArgs(args: readonly string[]): void {
  for (const text of args) {
    const at = text.indexOf('@')
    const id = (at === -1 ? text : text.slice(0, at)).trim()
    const where = `${truncate(text)} (argument)`
    if (id === '') {
      throw new RunnerError('INVALID_SPEC', text.trim() === '' ? 'an empty feature argument' : 'no feature id before "@"', {
        where,
        hint: 'write <id>[@<version>], e.g. nodejs@20 or terraform@1.5.0; `runner features list` shows the ids',
      })
    }
    if (ID_RE.test(id)) continue
    const lower = id.toLowerCase()
    throw new RunnerError('INVALID_SPEC', `"${truncate(id)}" is not a feature id`, {
      where,
      hint: ID_RE.test(lower)
        ? `feature ids are lower-case: did you mean ${lower}${at === -1 ? '' : text.slice(at)}?`
        : 'feature ids are lower-case letters, digits and dashes, e.g. nodejs@20 or terraform@1.5.0',
    })
  }
}
