import { RunnerError, suggestIds } from '@runner-features/core'

/**
 * The published docs. Hints name pages as `docs/<page>.md`, which someone who installed the CLI
 * from npm does not have; {@link linkDocs} turns them into links under this base.
 */
export const DOCS_BASE_URL = 'https://github.com/runner-features/runner-features/blob/main/docs'

/** `docs/config.md` (not already part of a URL or path) → `<DOCS_BASE_URL>/config.md`. */
export function linkDocs(text: string): string {
  return text.replace(/(?<![\w/.:-])docs\/([\w-]+\.md(?:#[\w-]+)?)/g, `${DOCS_BASE_URL}/$1`)
}

/** What oclif's parse errors carry besides their message (lib/parser/errors.js). */
interface OclifParseError extends Error {
  oclif?: { exit?: number }
  flags?: string[]
  args?: Array<{ name?: string } | string>
  parse?: { input?: { flags?: Record<string, { char?: string }> }; output?: { argv?: unknown[] } }
}

/** oclif appends this to every parse error; our `hint:` line says the same once. */
const SEE_MORE = /\n?See more help with --help\s*$/

/** Is this one of oclif's usage errors (exit 2: unknown command or flag, missing/extra argument)? */
export function isOclifUsageError(err: unknown): err is OclifParseError {
  return err instanceof Error && (err as OclifParseError).oclif?.exit === 2
}

/**
 * An oclif usage error as a coded error: UNKNOWN_COMMAND with the closest commands, or
 * INVALID_ARGUMENT naming the flag or argument (`where`) and, for a misspelt flag, the close ones.
 * `commandIds` are the CLI's commands in `features install` form (for did-you-mean).
 */
export function usageError(err: OclifParseError, commandIds: readonly string[] = []): RunnerError {
  const message = err.message.replace(SEE_MORE, '').trim()
  const notFound = /^command (\S+) not found$/.exec(message)
  if (notFound) return unknownCommand(notFound[1]!.replaceAll(':', ' '), commandIds)
  if (/^Nonexistent flags?:/.test(message)) {
    const known = Object.entries(err.parse?.input?.flags ?? {}).flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : [])])
    const bad = (err.flags ?? message.replace(/^Nonexistent flags?:\s*/, '').split(/,\s*/)).map((f) => truncate(f.split('=')[0]!))
    const close = bad.flatMap((f) => suggestIds(f, known.filter((k) => k.startsWith('--')))).slice(0, 3)
    return new RunnerError('INVALID_ARGUMENT', `unknown flag${bad.length > 1 ? 's' : ''} ${bad.join(', ')}`, {
      where: bad.join(', '),
      hint: close.length ? `did you mean ${close.join(', ')}? (--help lists the flags)` : 'run with --help for the flags this command takes',
      details: { flags: bad, suggestions: close },
    })
  }
  if (/^Unexpected arguments?:/.test(message)) {
    const extra = message.replace(/^Unexpected arguments?:\s*/, '')
    return new RunnerError('INVALID_ARGUMENT', `unexpected argument${err.args && err.args.length > 1 ? 's' : ''} ${extra}`, {
      where: 'arguments',
      hint: 'this command takes no such argument; run with --help for usage',
    })
  }
  if (/^Missing \d+ required args?/.test(message)) {
    const names = (err.args ?? []).map((a) => (typeof a === 'string' ? a : a.name)).filter((n): n is string => Boolean(n))
    return new RunnerError('INVALID_ARGUMENT', `missing required argument${names.length > 1 ? 's' : ''} ${names.map((n) => `<${n}>`).join(' ')}`, {
      where: 'arguments',
      hint: 'run with --help for usage',
    })
  }
  const flag = /--([\w-]+)/.exec(message)?.[0]
  return new RunnerError('INVALID_ARGUMENT', message.replace(/\n+/g, '; '), { where: flag ?? 'arguments', hint: 'run with --help for usage' })
}

/** `runner features lst` → did you mean `runner features list`; `runner install` → `runner features install`. */
export function unknownCommand(argvId: string, commandIds: readonly string[]): RunnerError {
  // oclif joins every leading word into the id (`features list foo`, `install nodejs`): the command
  // is the longest known prefix; what follows it is a stray argument, or the mistyped word.
  const all = argvId.split(' ')
  const isPrefix = (n: number) => commandIds.some((c) => c === all.slice(0, n).join(' ') || c.startsWith(`${all.slice(0, n).join(' ')} `))
  let known = 0
  while (known < all.length && isPrefix(known + 1)) known++
  const command = all.slice(0, known).join(' ')
  /** The commands under `topic`, without it (`features` → `install`, `list`, …). */
  const sameTopic = (topic: string) => commandIds.filter((c) => c.startsWith(`${topic} `)).map((c) => c.slice(topic.length + 1))
  const subcommands = sameTopic(command)
  // `runner plugins instal x`: `plugins` is a command, but `instal` is a misspelt subcommand of it.
  const misspeltSub = subcommands.length > 0 && suggestIds(all[known]!, subcommands).length > 0
  if (known > 0 && commandIds.includes(command) && !misspeltSub) {
    const extra = all.slice(known).join(' ')
    return new RunnerError('INVALID_ARGUMENT', `unexpected argument ${truncate(extra)}`, {
      where: `runner ${command}`,
      hint: `\`runner ${command}\` takes no such argument; run \`runner ${command} --help\` for usage`,
    })
  }
  const id = all.slice(0, known + 1).join(' ')
  const words = id.split(' ')
  // Compare the mistyped word with the commands of the same topic (`features lst` → list, not new);
  // a bare word also with every topic's commands (`runner install` → `features install`).
  const close =
    words.length > 1
      ? suggestIds(words.at(-1)!, sameTopic(words.slice(0, -1).join(' '))).map((c) => `${words.slice(0, -1).join(' ')} ${c}`)
      : [...suggestIds(id, commandIds.filter((c) => !c.includes(' '))), ...['features', 'plugins'].flatMap((t) => suggestIds(id, sameTopic(t)).map((c) => `${t} ${c}`))]
  close.splice(3)
  const display = truncate(id)
  return new RunnerError('UNKNOWN_COMMAND', `no command "${display}"`, {
    where: `runner ${display}`,
    hint: close.length ? `did you mean ${close.map((c) => `\`runner ${c}\``).join(', ')}? (\`runner --help\` lists the commands)` : '`runner --help` lists the commands',
    details: { suggestions: close.map((c) => `runner ${c}`) },
  })
}

/** Echoed input is cut at 60 characters (a 5,000-character argument is not printed back whole). */
export function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text
}
