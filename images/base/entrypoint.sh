#!/usr/bin/env bash
# runner-entrypoint: install the requested features, register the runner, exec run.sh.
#
#   1. Secrets (ACTIONS_RUNNER_INPUT_JITCONFIG, RUNNER_TOKEN, RUNNER_TOKEN_FILE) are moved into
#      unexported shell variables and removed from the environment first, so neither the feature
#      installer nor any plugin code ever sees them.
#   2. Features: RUNNER_FEATURES="nodejs@20 terraform@1.5.0" (spaces or commas) and/or a mounted
#      config, RUNNER_FEATURES_CONFIG=/etc/runner-features/runner-config.yml (RUNNER_FEATURES_FROZEN=1
#      installs exactly its lock). Installed versions are a no-op; a failure stops the container
#      before it registers, so a runner never takes a job without its tools. What the features
#      export (go: GOROOT_*, java: JAVA_HOME*, chrome: CHROME_BIN ...) is captured through a scratch
#      GITHUB_ENV and written to the runner's .env (images/scripts/feature-env.sh --dotenv-only),
#      which the Actions runner loads when it starts, so jobs see it as they see a baked feature's.
#      Names already there are replaced (a restart adds no line; the start-time value wins). A
#      value holding the JIT config or the token is refused (never written), though neither is in
#      the installer's environment to begin with.
#   3. Registration:
#      - ARC: ACTIONS_RUNNER_INPUT_JITCONFIG (injected by the controller). It is handed to run.sh in
#        the environment -- the runner's documented input channel, which the runner reads and removes
#        from its own environment before any job -- never as an argument.
#      - compose/dev: GITHUB_CONFIG_URL + RUNNER_TOKEN (or RUNNER_TOKEN_FILE). config.sh gets the token
#        as ACTIONS_RUNNER_INPUT_TOKEN in its own environment only, never on its command line.
#        Options: RUNNER_NAME (hostname), RUNNER_LABELS, RUNNER_GROUP, RUNNER_WORKDIR (_work),
#        RUNNER_EPHEMERAL (true).
#      - already configured (.runner exists): just run.
#   4. exec run.sh (or, when arguments are given, exec them instead of registering: e.g.
#      `docker run IMAGE runner features list`).
#
# Optional: RUNNER_FEATURES_JOB_HOOK=true sets ACTIONS_RUNNER_HOOK_JOB_STARTED to
# /opt/runner-features/hooks/job-started.sh (installs .github/runner-config.yml features if that file
# is on disk when the job starts -- the hook runs BEFORE actions/checkout; see docs/images.md).
# RUNNER_WAIT_FOR_DOCKER_IN_SECONDS: wait that long for `docker info` (ARC dind mode).
set -euo pipefail
set +x # never trace: the next lines handle secrets
umask 0002 # tool-cache entries stay writable for the docker group

# --- 1. secrets out of the environment -----------------------------------------------------------
jitconfig=${ACTIONS_RUNNER_INPUT_JITCONFIG:-}
token=${RUNNER_TOKEN:-}
token_file=${RUNNER_TOKEN_FILE:-}
unset ACTIONS_RUNNER_INPUT_JITCONFIG RUNNER_TOKEN RUNNER_TOKEN_FILE ACTIONS_RUNNER_INPUT_TOKEN
if [ -n "$token_file" ]; then
  if [ ! -r "$token_file" ]; then
    printf 'runner-entrypoint: error: RUNNER_TOKEN_FILE %s is not readable\n' "$token_file" >&2
    exit 64
  fi
  token=$(cat -- "$token_file")
fi

RUNNER_HOME=${RUNNER_HOME:-/home/runner}

log() { printf 'runner-entrypoint: %s\n' "$*" >&2; }
die() {
  log "error: $1"
  [ -n "${2:-}" ] && log "  hint: $2"
  exit "${3:-1}"
}
is_true() { case "${1:-}" in 1 | true | TRUE | True | yes | on) return 0 ;; *) return 1 ;; esac; }

# --- 2. features ----------------------------------------------------------------------------------
# Where the installs' GITHUB_ENV lines go until they are checked and written to .env (publish_env).
# Made only when something is to be installed: a start without features needs no writable /tmp.
feature_env_file=/dev/null
if [ -n "${RUNNER_FEATURES:-}${RUNNER_FEATURES_CONFIG:-}" ]; then
  feature_env_file=$(mktemp "${TMPDIR:-/tmp}/runner-features-env.XXXXXX") || die 'could not create a temporary file for the features'"'"' variables' 'set TMPDIR to a writable directory' 70
  trap 'rm -f "$feature_env_file"' EXIT
fi
# feature-env.sh: installed next to the other build scripts; in the repository, in images/scripts.
feature_env_sh=/usr/local/lib/runner-features/feature-env.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -f "$here/../scripts/feature-env.sh" ] && feature_env_sh=$here/../scripts/feature-env.sh
publish_env() {
  [ -s "$feature_env_file" ] || return 0
  local exported secret
  exported=$(<"$feature_env_file") # read by the shell itself: a secret never reaches an argv
  for secret in "$jitconfig" "$token"; do
    if [ -n "$secret" ] && [[ $exported == *"$secret"* ]]; then
      die 'a feature exported a value holding the registration secret (JIT config or token); nothing was written to .env' \
        'report the feature: registration secrets are never part of its environment; the runner was not registered' 70
    fi
  done
  RUNNER_HOME=$RUNNER_HOME sh "$feature_env_sh" --dotenv-only "$feature_env_file" ||
    die "writing the features' variables to $RUNNER_HOME/.env failed" 'see the error above (the runner home must be writable by this user); the runner was not registered' 70
}
if [ -n "${RUNNER_FEATURES:-}" ]; then
  # Split on whitespace and commas; no globbing (a spec such as `*` must not expand).
  set -f
  IFS=$' \t\n,' read -r -a specs <<<"$RUNNER_FEATURES"
  set +f
  if [ "${#specs[@]}" -gt 0 ]; then
    log "installing features: ${specs[*]}"
    GITHUB_ENV=$feature_env_file runner features install -- "${specs[@]}" || die "installing features failed (RUNNER_FEATURES=$RUNNER_FEATURES)" \
      'fix RUNNER_FEATURES or the mirror settings; the runner was not registered' 70
  fi
fi
if [ -n "${RUNNER_FEATURES_CONFIG:-}" ]; then
  [ -r "$RUNNER_FEATURES_CONFIG" ] || die "RUNNER_FEATURES_CONFIG $RUNNER_FEATURES_CONFIG is not readable" 'mount the config (a ConfigMap or a bind mount) at that path' 64
  frozen=()
  if is_true "${RUNNER_FEATURES_FROZEN:-}"; then frozen=(--frozen); fi
  log "installing features from $RUNNER_FEATURES_CONFIG"
  GITHUB_ENV=$feature_env_file runner features install --config "$RUNNER_FEATURES_CONFIG" "${frozen[@]}" || die "installing features from $RUNNER_FEATURES_CONFIG failed" \
    'see the error above; the runner was not registered' 70
fi

publish_env
[ "$feature_env_file" = /dev/null ] || rm -f "$feature_env_file"

if is_true "${RUNNER_FEATURES_JOB_HOOK:-}" && [ -z "${ACTIONS_RUNNER_HOOK_JOB_STARTED:-}" ]; then
  export ACTIONS_RUNNER_HOOK_JOB_STARTED=/opt/runner-features/hooks/job-started.sh
fi

# --- wait for dockerd (ARC dind sidecar) -----------------------------------------------------------
if [ -n "${RUNNER_WAIT_FOR_DOCKER_IN_SECONDS:-}" ] && command -v docker >/dev/null 2>&1; then
  waited=0
  until docker info >/dev/null 2>&1; do
    [ "$waited" -ge "$RUNNER_WAIT_FOR_DOCKER_IN_SECONDS" ] && die "docker did not answer within ${RUNNER_WAIT_FOR_DOCKER_IN_SECONDS}s" 'check the dind sidecar' 69
    sleep 1
    waited=$((waited + 1))
  done
fi

# --- arguments: run them instead of the runner ----------------------------------------------------
if [ "$#" -gt 0 ]; then
  unset jitconfig token
  exec "$@"
fi

# --- 3. registration ------------------------------------------------------------------------------
cd "$RUNNER_HOME"
if [ -n "$jitconfig" ]; then
  log 'registering with the just-in-time config (ARC)'
  export ACTIONS_RUNNER_INPUT_JITCONFIG="$jitconfig"
  unset jitconfig token
elif [ -n "$token" ]; then
  [ -n "${GITHUB_CONFIG_URL:-}" ] || die 'RUNNER_TOKEN is set but GITHUB_CONFIG_URL is not' \
    'set GITHUB_CONFIG_URL to the repository, organization or enterprise URL' 64
  name=${RUNNER_NAME:-$(hostname)}
  args=(--unattended --replace --url "$GITHUB_CONFIG_URL" --name "$name" --work "${RUNNER_WORKDIR:-_work}")
  [ -n "${RUNNER_LABELS:-}" ] && args+=(--labels "$RUNNER_LABELS")
  [ -n "${RUNNER_GROUP:-}" ] && args+=(--runnergroup "$RUNNER_GROUP")
  is_true "${RUNNER_EPHEMERAL:-true}" && args+=(--ephemeral)
  log "registering $name with $GITHUB_CONFIG_URL"
  # The token reaches config.sh through its environment only (the runner reads ACTIONS_RUNNER_INPUT_TOKEN).
  ACTIONS_RUNNER_INPUT_TOKEN=$token ./config.sh "${args[@]}" </dev/null ||
    die 'config.sh failed' 'check GITHUB_CONFIG_URL and that the registration token is fresh (they expire after an hour)' 65
  unset token
elif [ -f .runner ]; then
  log 'already configured (.runner exists); starting'
else
  die 'nothing to register with' \
    'set ACTIONS_RUNNER_INPUT_JITCONFIG (ARC does) or GITHUB_CONFIG_URL + RUNNER_TOKEN/RUNNER_TOKEN_FILE' 64
fi

# --- 4. run ---------------------------------------------------------------------------------------
exec ./run.sh
