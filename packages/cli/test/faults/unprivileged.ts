import { execFile } from 'node:child_process'
import { chmod, copyFile, link, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'

const sh = promisify(execFile)

/**
 * What a run as nobody starts: a world-readable copy of the CLI, of the Node binary, and of any
 * file the run reads (the trusted keys), all in one 0755 temp dir made once per suite run.
 *
 * Why a copy: the checkout may sit under a dir only its owner can traverse (a clone made inside
 * `mktemp -d`, which is 0700), and then uid 65534 cannot reach `bin/run.js`, its node_modules or
 * the Node binary (MODULE_NOT_FOUND before the CLI even starts). The user's directories are never
 * chmod-ed; the copy is made for every suite run, reachable or not, so the scenarios always test
 * the same thing.
 */
export interface UnprivilegedCli {
  /** The temp dir holding the copy (0755, everything in it world-readable). */
  dir: string
  /** The copied (or hard-linked) Node binary. */
  node: string
  /** The deployed CLI's `bin/run.js`. */
  cli: string
  /** A world-readable copy of `file` inside {@link dir} (made once per path). */
  readable(file: string): Promise<string>
}

let made: Promise<UnprivilegedCli> | undefined

/**
 * The world-readable copy of `cli` (a checkout's `packages/cli/bin/run.js`), made on first use:
 * `pnpm deploy --prod` of `@runner-features/cli` from that checkout (its built dist plus production
 * dependencies, bundled plugins included, nothing of the workspace's dev tooling).
 */
export function unprivilegedCli(cli: string): Promise<UnprivilegedCli> {
  made ??= deploy(cli)
  return made
}

/** Removes the copy, when one was made (after the suite). */
export async function disposeUnprivilegedCli(): Promise<void> {
  const done = await made?.catch(() => undefined)
  made = undefined
  if (done) await rm(done.dir, { recursive: true, force: true })
}

async function deploy(cli: string): Promise<UnprivilegedCli> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-faults-cli-'))
  try {
    await chmod(dir, 0o755)
    // <checkout>/packages/cli/bin/run.js → <checkout>
    const checkout = resolve(dirname(cli), '..', '..', '..')
    const target = join(dir, 'cli')
    const [cmd, ...pre] = pnpmCommand()
    // --legacy: this workspace does not inject workspace packages (pnpm 10 deploys only those otherwise).
    await sh(cmd!, [...pre, '--dir', checkout, '--filter', '@runner-features/cli', 'deploy', '--legacy', '--prod', '--offline', target], { maxBuffer: 64 << 20 })
      .catch((err: Error & { stderr?: string }) => Promise.reject(new Error(`could not deploy the CLI for the runs as nobody (pnpm deploy in ${checkout}): ${err.stderr || err.message}`)))
    const node = await nodeFor(dir)
    // Whatever the umask was when the store or the checkout was written: every file readable, every dir traversable.
    await sh('chmod', ['-R', 'a+rX', target])
    const copies = new Map<string, Promise<string>>()
    const readable = (file: string) => {
      let copy = copies.get(file)
      if (!copy) {
        const to = join(dir, `${copies.size}-${basename(file)}`)
        copy = copyFile(file, to).then(() => chmod(to, 0o644)).then(() => to)
        copies.set(file, copy)
      }
      return copy
    }
    return { dir, node, cli: join(target, 'bin', 'run.js'), readable }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/**
 * The running Node binary, reachable by anyone: a hard link when it is world-executable already
 * (free on the same filesystem; never chmod-ed, the inode is the user's), else a copy made 0755.
 */
async function nodeFor(dir: string): Promise<string> {
  const node = join(dir, 'node')
  if (await link(process.execPath, node).then(() => true, () => false)) {
    if (((await stat(node)).mode & 0o005) === 0o005) return node
    await rm(node)
  }
  await copyFile(process.execPath, node)
  await chmod(node, 0o755)
  return node
}

/** pnpm as the suite was started with it (`pnpm test:faults` sets npm_execpath), else the one on PATH. */
function pnpmCommand(): string[] {
  const execPath = process.env.npm_execpath
  if (execPath && /pnpm\.c?js$/.test(execPath)) return [process.execPath, execPath]
  return ['pnpm']
}
