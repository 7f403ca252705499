// Transparent arm64 emulation for containers: qemu-user-static registered with binfmt_misc, so the
// kernel runs every aarch64 ELF (in a chroot or a container too) through qemu. Two flags matter
// (the ones docker's own tonistiigi/binfmt sets): F, the kernel opens the interpreter at
// registration, so it need not exist inside the container; C, credentials come from the emulated
// binary, so a setuid one (sudo) runs as root, not as the caller of the non-setuid qemu.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { run } from './env.js'

const BINFMT = '/proc/sys/fs/binfmt_misc'
const ENTRY = `${BINFMT}/qemu-aarch64`
/** Shipped by Debian's qemu-user-static (systemd-binfmt format, one registration line). */
const CONF = '/usr/lib/binfmt.d/qemu-aarch64.conf'
const REQUIRED = 'FC'

export interface Binfmt {
  /** Why aarch64 binaries cannot run here, or undefined when they can. */
  blocked?: string
  /** Removes the registration when this process made it (the host is left as it was found). */
  release(): void
}

/** Mounts binfmt_misc when needed and registers qemu-aarch64 (with F and C) unless it already is. Root only. */
export function ensureArm64Binfmt(): Binfmt {
  const none: Binfmt = { release: () => {} }
  if (!existsSync(`${BINFMT}/register`)) {
    const m = run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT])
    if (m.status !== 0) return { ...none, blocked: `binfmt_misc cannot be mounted: ${m.stderr.trim()}` }
  }
  let ours = false
  if (!existsSync(ENTRY)) {
    if (!existsSync(CONF)) return { ...none, blocked: `${CONF} is missing (apt-get install qemu-user-static)` }
    const line = readFileSync(CONF, 'utf8').split('\n').find((l) => l.startsWith(':qemu-aarch64:'))
    if (!line) return { ...none, blocked: `${CONF} has no qemu-aarch64 line` }
    // Flags are the last field (Debian ships OPF); C implies O.
    const flags = line.slice(line.lastIndexOf(':') + 1)
    const add = [...REQUIRED].filter((f) => !flags.includes(f)).join('')
    try {
      writeFileSync(`${BINFMT}/register`, `${line}${add}`)
    } catch (err) {
      return { ...none, blocked: `registering qemu-aarch64 with binfmt_misc failed: ${String(err)}` }
    }
    ours = true
  }
  const entry = readFileSync(ENTRY, 'utf8')
  const release = () => {
    if (ours && existsSync(ENTRY)) writeFileSync(ENTRY, '-1')
  }
  if (!/^enabled$/m.test(entry)) return { blocked: `${ENTRY} is disabled`, release }
  const flags = /^flags: (\S*)/m.exec(entry)?.[1] ?? ''
  const lacking = [...REQUIRED].filter((f) => !flags.includes(f))
  if (lacking.length) {
    return { blocked: `${ENTRY} is registered with flags ${flags}, without ${lacking.join(' and ')} (F: qemu inside containers, C: setuid sudo); re-register it: echo -1 > ${ENTRY}`, release }
  }
  return { release }
}
