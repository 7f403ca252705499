import type { Progress } from '@runner-features/installer'
import { formatBytes } from './output.js'
import { runState } from './run-state.js'

/**
 * Download progress on stderr: a live bar per feature on a TTY; plain one-line events otherwise
 * (CI logs), so logs stay readable and grep-able.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env, lineEveryMs = 10_000) {
  // A live bar needs a terminal that understands \r and ANSI; NO_COLOR and TERM=dumb ask for none.
  const live = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb'
  const quiet = runState().quiet === true
  const active = new Map<string, Progress>()
  /** Without a live bar: when each feature last printed a progress line (a long download is not silent). */
  const lastLine = new Map<string, number>()
  let last = 0
  const render = (force = false) => {
    const now = Date.now()
    if (!force && now - last < 100) return
    last = now
    const parts = [...active].map(([id, p]) => {
      if (!p.total) return `${id} ${formatBytes(p.received)}`
      const ratio = Math.min(1, p.received / p.total)
      const width = 20
      const filled = Math.round(ratio * width)
      return `${id} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${formatBytes(p.received)}/${formatBytes(p.total)}`
    })
    stream.write(`\r\x1b[K${parts.join('  ')}`)
  }
  return {
    start(id: string, version: string, from: string) {
      if (live || quiet) return
      lastLine.set(id, Date.now())
      stream.write(`${id}: installing ${version} from ${from}\n`)
    },
    update(id: string, p: Progress) {
      if (quiet) return
      if (!live) {
        const now = Date.now()
        if (now - (lastLine.get(id) ?? 0) < lineEveryMs || (p.total !== undefined && p.received >= p.total)) return
        lastLine.set(id, now)
        stream.write(`${id}: ${p.total ? `${Math.round((p.received / p.total) * 100)}% ` : ''}${formatBytes(p.received)}${p.total ? ` of ${formatBytes(p.total)}` : ''} downloaded\n`)
        return
      }
      active.set(id, p)
      render(p.received === p.total)
    },
    done() {
      if (live && active.size) stream.write('\r\x1b[K')
    },
  }
}
