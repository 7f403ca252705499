import { chown, mkdir } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { NOBODY } from '../box.js'
import type { Ctx, Scenario } from '../scenario.js'
import { TF, TF_ZIP } from './common.js'

const sh = promisify(execFile)

type Dir = 'toolCache' | 'binDir' | 'stateDir' | 'cacheDir'
const LABEL: Record<Dir, string> = { toolCache: 'tool cache', binDir: 'bin dir', stateDir: 'state dir', cacheDir: 'download cache' }

/**
 * The CLI runs as nobody (a runner pod's non-root user) and one of its directories belongs to root
 * (0755): PERMISSION_DENIED before any download, nothing left (no marker setup-* would trust);
 * once the directory is handed to the user, the same install succeeds.
 */
function notWritable(dir: Dir): Scenario {
  return {
    name: `permission: ${LABEL[dir]} not writable by the user → PERMISSION_DENIED before any download`,
    root: true,
    run: async (t: Ctx) => {
      for (const d of ['toolCache', 'binDir', 'cacheDir', 'stateDir'] as const) await mkdir(t.box[d], { recursive: true })
      await sh('chown', ['-R', `${NOBODY}:${NOBODY}`, t.box.dir])
      await chown(t.box[dir], 0, 0)
      const opts = { asNobody: true }
      await t.expectError(`install with a read-only ${LABEL[dir]}`, await t.install([`terraform@${TF}`], opts), ['PERMISSION_DENIED'])
      if (t.server.count(TF_ZIP)) t.problem('the archive was downloaded before the permission check failed')
      await chown(t.box[dir], NOBODY, NOBODY)
      await t.expectSuccess(`re-run once the ${LABEL[dir]} is writable`, await t.install([`terraform@${TF}`], opts))
    },
  }
}

export const permissionScenarios: Scenario[] = (['toolCache', 'binDir', 'stateDir', 'cacheDir'] as const).map(notWritable)
