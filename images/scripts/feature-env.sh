#!/bin/sh
# feature-env.sh: makes the variables that features installed in an image export (chrome:
# CHROME_BIN, CHROMEWEBDRIVER; go: GOROOT_*; java: JAVA_HOME*) part of what the runner's jobs see.
#
#   GITHUB_ENV=/tmp/rf-env runner features install chrome
#   sh /usr/local/lib/runner-features/feature-env.sh /tmp/rf-env
#   sh /usr/local/lib/runner-features/feature-env.sh --dotenv-only /tmp/rf-env   # container start
#
# In a job, the CLI appends a feature's variables to the file GITHUB_ENV names and the runner
# hands them to the later steps. At image build time (images/scripts/bake-features.sh) and at
# container start (images/base/entrypoint.sh) there is no job, so GITHUB_ENV points at a scratch
# file that is passed here. A Dockerfile's ENV cannot take values computed by a RUN step (the
# install dir holds the version), so the variables are written where the image's processes read
# them at start:
#   $RUNNER_HOME/.env (default /home/runner/.env): the Actions runner loads this file into its own
#       environment when it starts (NAME=value lines, in order), so every job it runs sees them.
#   /etc/profile.d/runner-features.sh: login shells (`docker run -it IMAGE bash -l`, ssh). Root-owned,
#       so it is written at build time only (--dotenv-only skips it: the entrypoint runs as runner).
# Names already there are replaced, not repeated: running this again with the same file (a
# container restarted) leaves each target unchanged, and a later value (a variant over its base, a
# start-time install over a baked one) replaces the earlier one in place of appending a duplicate.
# Each target is rewritten through a temporary file in its own directory and renamed, so a reader
# never sees it half-written.
# Neither reaches a process the runner does not start: a container job or service that uses the
# image gets only the image's ENV (docs/images.md says how to set the variables there).
#
# The file must hold NAME=value lines (the CLI writes multi-line values as NAME<<DELIMITER blocks;
# neither target can hold those, so such a file fails with exit 65). Exit 64: bad usage.
set -eu

usage() {
  echo 'feature-env: usage: feature-env.sh [--dotenv-only] <file written through GITHUB_ENV>' >&2
  exit 64
}
profile=${FEATURE_ENV_PROFILE:-/etc/profile.d/runner-features.sh}
if [ "${1:-}" = --dotenv-only ]; then profile=''; shift; fi
if [ "$#" -ne 1 ] || [ -z "$1" ]; then usage; fi
src=$1
dotenv=${RUNNER_HOME:-/home/runner}/.env
[ -s "$src" ] || exit 0 # no feature exported anything

# Check every line before writing anything, so a bad file changes neither target.
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  [ -n "$line" ] || continue
  name=${line%%=*}
  case "$line" in
    *=*) case "$name" in '' | [0-9]* | *[!A-Za-z0-9_]*) bad=1 ;; *) bad='' ;; esac ;;
    *) bad=1 ;;
  esac
  if [ -n "$bad" ]; then
    printf 'feature-env: %s:%s is not NAME=value (a multi-line value or a malformed line): "%s"\n' "$src" "$line_no" "${line%%[=<]*}" >&2
    echo '  hint: a feature exported a variable the runner .env and profile.d cannot hold; set it with ENV in a Dockerfile FROM this image' >&2
    exit 65
  fi
done <"$src"

# merge TARGET NEW PREFIX: TARGET's lines (PREFIX NAME=...) whose NAME is set in NEW are dropped,
# then NEW's lines follow, one per name (the last one given wins). Other lines are kept as they are.
merge() {
  target=$1 new=$2 prefix=$3
  tmp=$(mktemp "$(dirname "$target")/.$(basename "$target").XXXXXX")
  existing=$target
  [ -e "$target" ] || existing=/dev/null
  if ! awk -v prefix="$prefix" '
    function key(l) { if (substr(l, 1, length(prefix)) != prefix) return ""; l = substr(l, length(prefix) + 1); return index(l, "=") > 1 ? substr(l, 1, index(l, "=") - 1) : "" }
    FILENAME == ARGV[1] { k = key($0); if (k == "") next; if (!(k in last)) order[++n] = k; last[k] = $0; next }
    { k = key($0); if (k != "" && (k in last)) next; print }
    END { for (i = 1; i <= n; i++) print last[order[i]] }
  ' "$new" "$existing" >"$tmp"; then
    rm -f "$tmp"
    printf 'feature-env: could not write %s\n' "$target" >&2
    exit 73
  fi
  chmod 0644 "$tmp"
  mv -f "$tmp" "$target"
}

merge "$dotenv" "$src" ''
# Written by root at build time: the runner (which reads and rewrites it at start) must own it.
if [ "$(id -u)" = 0 ] && id runner >/dev/null 2>&1; then chown runner:runner "$dotenv"; fi

[ -n "$profile" ] || exit 0
mkdir -p "$(dirname "$profile")"
[ -e "$profile" ] || echo '# Variables exported by the features baked into this image (images/scripts/feature-env.sh).' >"$profile"
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
  [ -n "$line" ] || continue
  # Single-quoted for the shell: a ' inside the value becomes '\''.
  value=$(printf '%s' "${line#*=}" | sed "s/'/'\\\\''/g")
  printf "export %s='%s'\n" "${line%%=*}" "$value" >>"$lines"
done <"$src"
merge "$profile" "$lines" 'export '
