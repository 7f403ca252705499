import { afterAll, beforeAll } from 'vitest'
import type { HarnessMirror, MirrorHarness } from '../../../kit/src/testing/index.js'
import { loadAction, runAction, type ActionName, type ActionRun, type VendoredAction } from './run-action.js'

/** A vendored setup action pointed at the tool cache a `runner features install` filled. */
export interface ActionOnInstall {
  /** The tool-cache directory the install made (what the action must find). */
  readonly dir: string
  /** Runs the action with these inputs (the rest at their defaults) against the install's tool cache. */
  run(inputs: Record<string, string>, env?: Record<string, string>): Promise<ActionRun>
}

/**
 * The fixture of a setup-action test file, in its `beforeAll`: the harness's mirror started,
 * `runner features install <spec>` into its shared sandbox, the vendored action unpacked; torn down
 * in `afterAll`. `dirOf` names the tool-cache directory the install made. Nothing happens when the
 * harness is skipped (guard the tests with `describe.skipIf(e2e.skipped)`).
 */
export function actionOnInstall<M extends HarnessMirror>(name: ActionName, e2e: MirrorHarness<M>, spec: string | ((mirror: M) => string), dirOf: (toolCache: string, mirror: M) => string, timeout = 300_000): ActionOnInstall {
  let action: VendoredAction | undefined
  let dir: string | undefined
  beforeAll(async () => {
    await e2e.start()
    if (e2e.skipped) return
    ;[action] = await Promise.all([loadAction(name), e2e.install(typeof spec === 'string' ? spec : spec(e2e.mirror))])
    dir = dirOf(e2e.box.toolCache, e2e.mirror)
  }, timeout)
  afterAll(e2e.close)
  const ready = () => {
    if (!action || dir === undefined) throw new Error(`${name}: the install did not run (is the harness skipped?)`)
    return { action, dir }
  }
  return {
    get dir() {
      return ready().dir
    },
    run: (inputs, env) => runAction(ready().action, { with: inputs, toolCache: e2e.box.toolCache, env }),
  }
}
