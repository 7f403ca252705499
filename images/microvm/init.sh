#!/usr/bin/env bash
# runner-vm-init: PID 1 of a runner microVM (images/microvm). One VM runs one job:
#   1. mounts /proc when the VM's init did not (the namespace stand-in used in tests does not);
#   2. reads the single-use JIT config from $RUNNER_VM_JIT_FILE (default
#      /mnt/runner-vm/secrets/jitconfig, a directory the orchestrator shares in) and deletes it;
#      nothing else secret ever enters the VM;
#   3. when a host tool cache is shared at /mnt/runner-vm/toolcache, remounts it read-only and
#      mounts an overlay at /opt/hostedtoolcache: the shared directory below, a VM-local tmpfs
#      above, so features installed at start and setup-* writes stay in this VM;
#   4. runs runner-entrypoint (install features, then run.sh with the JIT config in its environment
#      only) as the runner user (uid 1001), forwards TERM/INT to it, reaps orphans, and exits with
#      its status. PID 1 exiting ends the VM.
set -euo pipefail
set +x # never trace: the JIT config passes through here

log() { printf 'runner-vm-init: %s\n' "$*" >&2; }
log "PID $$ on $(uname -m)"
[ "$$" -eq 1 ] || log "warning: not PID 1; orphans are not reaped here"

export PATH=/opt/runner-features/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/home/runner USER=runner RUNNER_TOOL_CACHE=/opt/hostedtoolcache AGENT_TOOLSDIRECTORY=/opt/hostedtoolcache

mountpoint -q /proc || mount -t proc proc /proc

# --- the JIT config: read once, delete ------------------------------------------------------------
jit_file=${RUNNER_VM_JIT_FILE:-/mnt/runner-vm/secrets/jitconfig}
unset RUNNER_VM_JIT_FILE ACTIONS_RUNNER_INPUT_JITCONFIG RUNNER_TOKEN RUNNER_TOKEN_FILE
if [ ! -s "$jit_file" ]; then
  log "error: no JIT config at $jit_file"
  log "  hint: start this image through deploy/microvm/orchestrator.mjs, which shares it in"
  exit 64
fi
jit=$(cat -- "$jit_file")
rm -f -- "$jit_file"

# --- shared tool cache: read-only below, VM-local above -------------------------------------------
share=/mnt/runner-vm/toolcache
if mountpoint -q "$share"; then
  mount -o remount,bind,ro "$share"
  mkdir -p /mnt/runner-vm/overlay
  mount -t tmpfs -o mode=0755 runner-vm-overlay /mnt/runner-vm/overlay
  install -d -o 1001 -g 123 -m 2775 /mnt/runner-vm/overlay/upper
  install -d -m 0700 /mnt/runner-vm/overlay/work /mnt/runner-vm/overlay/image
  # What the image baked in stays visible, below the shared cache.
  mount --bind /opt/hostedtoolcache /mnt/runner-vm/overlay/image
  mount -t overlay overlay -o "lowerdir=$share:/mnt/runner-vm/overlay/image,upperdir=/mnt/runner-vm/overlay/upper,workdir=/mnt/runner-vm/overlay/work" /opt/hostedtoolcache
  log "tool cache: $share (read-only) under a VM-local overlay at /opt/hostedtoolcache"
fi

# --- the runner, as uid 1001 ---------------------------------------------------------------------
cd /home/runner
ACTIONS_RUNNER_INPUT_JITCONFIG=$jit setpriv --reuid=1001 --regid=1001 --init-groups /usr/local/bin/runner-entrypoint "$@" &
child=$!
unset jit
trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT
status=0
wait "$child" || status=$?
# A signal interrupts `wait` before the child is done: wait again for its real status.
while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
log "runner exited with $status; the VM ends"
sync
exit "$status"
