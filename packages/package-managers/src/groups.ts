import { RunnerError, type ExecResult, type GroupMembership } from '@runner-features/core'
import type { PmDeps } from './deps.js'
import { CommandRunner, display, lastLines } from './runner.js'

/** What {@link ensureGroupMember} did, so the caller can report it; `warnings` are for the user. */
export interface GroupOutcome {
  created: boolean
  /** The user was added to the group by this call (takes effect in new login sessions). */
  added: boolean
  warnings: string[]
}

/** `getent group <key>` parsed: name, gid, members; undefined when there is no such group. */
async function getentGroup(deps: PmDeps, key: string): Promise<{ name: string; gid: number; members: string[] } | undefined> {
  const r = await deps.exec('getent', ['group', key])
  if (r.exitCode !== 0) return undefined
  const [name = '', , gid = '', members = ''] = r.stdout.trim().split('\n')[0]!.split(':')
  return { name, gid: Number(gid), members: members.split(',').filter(Boolean) }
}

/**
 * Makes `group` exist and `user` a member, idempotently: when both hold, only `getent`/`id` run.
 * A missing group is created with its declared gid, or (when another group holds that gid) with a
 * system gid and a warning. An existing group keeps its gid (renumbering would orphan files that
 * carry the old one); a different gid is warned about. Uses shadow-utils (`groupadd`, `usermod`)
 * when present, else busybox (`addgroup`) as on Alpine. Runs as root or through `sudo -n`.
 */
export async function ensureGroupMember(deps: PmDeps, group: GroupMembership, user: string | undefined): Promise<GroupOutcome> {
  const run = new CommandRunner(deps, 'create the group and add the user by hand, or run as root')
  const shadow = Boolean(await deps.which('groupadd'))
  const outcome: GroupOutcome = { created: false, added: false, warnings: [] }
  const existing = await getentGroup(deps, group.name)
  if (!existing) {
    const holder = group.gid === undefined ? undefined : await getentGroup(deps, String(group.gid))
    const gid = holder ? undefined : group.gid
    if (holder) outcome.warnings.push(`gid ${group.gid} belongs to group ${holder.name}, so group ${group.name} was created with another gid; containers that expect gid ${group.gid} for ${group.name} (ARC's dind sidecar) will not match`)
    const args = shadow ? ['groupadd', ...(gid === undefined ? ['-r'] : ['-g', String(gid)]), group.name] : ['addgroup', ...(gid === undefined ? ['-S'] : ['-g', String(gid)]), group.name]
    await mustSucceed(run, args, group)
    outcome.created = true
  } else if (group.gid !== undefined && existing.gid !== group.gid) {
    outcome.warnings.push(`group ${group.name} already exists with gid ${existing.gid}, not ${group.gid}; it is kept (files may carry it), but ARC's dind sidecar creates its socket for gid ${group.gid}`)
  }
  if (!user) return outcome
  const id = await deps.exec('id', ['-nG', user])
  if (id.exitCode !== 0) {
    outcome.warnings.push(`user ${user} does not exist, so it was not added to group ${group.name}; add the runner's user later with \`usermod -aG ${group.name} <user>\``)
    return outcome
  }
  if (id.stdout.trim().split(/\s+/).includes(group.name)) return outcome
  await mustSucceed(run, shadow ? ['usermod', '-aG', group.name, user] : ['addgroup', user, group.name], group)
  outcome.added = true
  return outcome
}

async function mustSucceed(run: CommandRunner, [file, ...args]: string[], group: GroupMembership): Promise<ExecResult> {
  const r = await run.root(file!, args, {}, () => true)
  if (r.exitCode === 0) return r
  throw new RunnerError('GROUP_SETUP_FAILED', `exited ${r.exitCode}: ${lastLines(`${r.stdout}\n${r.stderr}`) || '(no output)'}`, {
    where: display(file!, args),
    hint: `create group ${group.name}${group.gid === undefined ? '' : ` (gid ${group.gid})`} and add the runner's user to it by hand, then re-run`,
  })
}
