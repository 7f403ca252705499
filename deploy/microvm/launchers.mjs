// How one VM is started and discarded. `krunvm` is the real thing (KVM/HVF microVMs, one fresh
// rootfs per `krunvm create` from the image). `namespace` is a stand-in for machines without KVM
// (and for the tests): a fresh PID, mount and UTS namespace whose root is a throwaway overlay over
// an unpacked image, with the same shares at the same guest paths. It is not a security boundary
// like a VM (same kernel, shared network); use it to try the image, never for untrusted jobs.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

/** Guest paths the image's runner-vm-init expects. */
export const GUEST_SECRETS = '/mnt/runner-vm/secrets'
export const GUEST_TOOLCACHE = '/mnt/runner-vm/toolcache'
export const GUEST_INIT = '/usr/local/bin/runner-vm-init'

/** The only host variables a launcher process inherits: never the orchestrator's credential variables. */
const INHERITED = /^(PATH|HOME|USER|LANG|LC_ALL|TMPDIR|XDG_[A-Z_]+|CONTAINERS_[A-Z_]+|BUILDAH_[A-Z_]+|STORAGE_[A-Z_]+)$/
export function launcherEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => INHERITED.test(k)))
}

/**
 * Runs a command, streaming its output lines to `onLine`; resolves with its exit status.
 * @returns {{ done: Promise<number>, kill(signal?: NodeJS.Signals): void }}
 */
export function runStreaming(cmd, args, { env, onLine }) {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const pump = (stream) => {
    let buf = ''
    stream.on('data', (d) => {
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop()
      for (const l of lines) onLine(l)
    })
    stream.on('end', () => { if (buf) onLine(buf) })
  }
  pump(child.stdout)
  pump(child.stderr)
  const done = new Promise((resolve) => {
    child.on('error', (err) => { onLine(`${cmd}: ${err.message}`); resolve(127) })
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
  return { done, kill: (signal = 'SIGTERM') => child.kill(signal) }
}

/**
 * @typedef {object} VmSpec
 * @property {string} name         VM name (also its hostname)
 * @property {string} vmDir        per-VM host directory, removed by the orchestrator afterwards
 * @property {string} secretsDir   holds only `jitconfig`; shared at GUEST_SECRETS
 * @property {string} [toolcache]  host tool cache, shared read-only at GUEST_TOOLCACHE
 * @property {[string, string][]} volumes  extra host:guest shares
 * @property {Record<string, string>} env  non-secret variables for the VM
 * @property {(line: string) => void} onLine  VM console output
 */

/** krunvm: create from the image, start runner-vm-init, delete (the VM's disk goes with it). */
export function krunvmLauncher({ image, cpus, mem, krunvm = 'krunvm', hostEnv = process.env }) {
  const env = launcherEnv(hostEnv)
  const step = async (args, onLine) => {
    const status = await runStreaming(krunvm, args, { env, onLine }).done
    if (status !== 0) throw new Error(`${krunvm} ${args[0]} exited with ${status}`)
  }
  return {
    name: 'krunvm',
    /** @param {VmSpec} vm @param {(kill: () => void) => void} [onStart] */
    async run(vm, onStart) {
      const shares = [[vm.secretsDir, GUEST_SECRETS], ...(vm.toolcache ? [[vm.toolcache, GUEST_TOOLCACHE]] : []), ...vm.volumes]
      await step(['create', image, '--name', vm.name, '--cpus', String(cpus), '--mem', String(mem), ...shares.flatMap(([h, g]) => ['-v', `${h}:${g}`])], vm.onLine)
      try {
        const started = runStreaming(krunvm, ['start', ...Object.entries(vm.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]), vm.name, GUEST_INIT], { env, onLine: vm.onLine })
        onStart?.(() => started.kill())
        return await started.done
      } finally {
        await step(['delete', vm.name], vm.onLine)
      }
    },
  }
}

/** The namespace stand-in (see the header): needs root, util-linux `unshare`, overlayfs. */
export function namespaceLauncher({ rootfs, hostEnv = process.env }) {
  // Positional parameters carry every path and variable: nothing is interpolated into the script.
  const script = `set -eu
root=$1 up=$2 wk=$3 m=$4 secrets=$5 tc=$6 name=$7 nvol=$8; shift 8
mount -t overlay overlay -o "lowerdir=$root,upperdir=$up,workdir=$wk" "$m"
mount --rbind /dev "$m/dev"
mount --bind "$secrets" "$m${GUEST_SECRETS}"
if [ -n "$tc" ]; then mount --bind "$tc" "$m${GUEST_TOOLCACHE}"; mount -o remount,bind,ro "$m${GUEST_TOOLCACHE}"; fi
while [ "$nvol" -gt 0 ]; do mkdir -p "$m$2"; mount --bind "$1" "$m$2"; shift 2; nvol=$((nvol - 1)); done
hostname "$name"
chroot=$(command -v chroot) # env -i clears PATH
exec env -i HOSTNAME="$name" HOME=/root "$@" "$chroot" "$m" ${GUEST_INIT}`
  return {
    name: 'namespace',
    /** @param {VmSpec} vm @param {(kill: () => void) => void} [onStart] */
    async run(vm, onStart) {
      const ns = join(vm.vmDir, 'ns')
      for (const d of ['upper', 'work', 'merged']) mkdirSync(join(ns, d), { recursive: true })
      const args = ['--pid', '--mount', '--uts', '--fork', '--kill-child', '--propagation', 'private', '--', 'sh', '-c', script, 'runner-vm',
        rootfs, join(ns, 'upper'), join(ns, 'work'), join(ns, 'merged'), vm.secretsDir, vm.toolcache ?? '', vm.name, String(vm.volumes.length),
        ...vm.volumes.flat(), ...Object.entries(vm.env).map(([k, v]) => `${k}=${v}`)]
      const started = runStreaming('unshare', args, { env: launcherEnv(hostEnv), onLine: vm.onLine })
      onStart?.(() => started.kill())
      return started.done
    },
  }
}
