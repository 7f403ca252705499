import type { Progress } from '@runner-features/installer'
import { formatBytes } from './output.js'

/**
 * Download progress on stderr: a live bar per feature on a TTY; plain one-line events otherwise
 * (CI logs), so logs stay readable and grep-able.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr) {
  const active = new Map<string, Progress>()
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
      if (stream.isTTY) return
      stream.write(`${id}: installing ${version} from ${from}\n`)
    },
    update(id: string, p: Progress) {
      if (!stream.isTTY) return
      active.set(id, p)
      render(p.received === p.total)
    },
    done() {
      if (stream.isTTY && active.size) stream.write('\r\x1b[K')
    },
  }
}
