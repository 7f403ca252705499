#!/bin/sh
# feature-env.sh: makes the variables that features baked into an image export (chrome:
# CHROME_BIN, CHROMEWEBDRIVER) part of that image's environment.
#
#   GITHUB_ENV=/tmp/rf-env runner features install chrome
#   sh /usr/local/lib/runner-features/feature-env.sh /tmp/rf-env
#
# In a job, the CLI appends a feature's variables to the file GITHUB_ENV names and the runner
# hands them to the later steps. At image build time there is no job, so the Dockerfiles point
# GITHUB_ENV at a scratch file and pass it here. A Dockerfile's ENV cannot take values computed by
# a RUN step (the install dir holds the version), so the variables are written where the image's
# processes read them at start:
#   $RUNNER_HOME/.env (default /home/runner/.env): the Actions runner loads this file into its own
#       environment when it starts, so every job it runs in this image sees the variables
#       (appended: later lines win, so a variant's values override its base's).
#   /etc/profile.d/runner-features.sh: login shells (`docker run -it IMAGE bash -l`, ssh).
# Neither reaches a process the runner does not start: a container job or service that uses the
# image gets only the image's ENV (docs/images.md says how to set the variables there).
#
# The file must hold NAME=value lines (the CLI writes multi-line values as NAME<<DELIMITER blocks;
# neither target can hold those, so such a file fails with exit 65). Exit 64: bad usage.
set -eu

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
  echo 'feature-env: usage: feature-env.sh <file written through GITHUB_ENV>' >&2
  exit 64
fi
src=$1
dotenv=${RUNNER_HOME:-/home/runner}/.env
profile=${FEATURE_ENV_PROFILE:-/etc/profile.d/runner-features.sh}
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

new_dotenv=0
[ -e "$dotenv" ] || new_dotenv=1
{ cat "$src"; [ -z "$(tail -c 1 "$src")" ] || echo; } >>"$dotenv"
if [ "$new_dotenv" = 1 ] && id runner >/dev/null 2>&1; then chown runner:runner "$dotenv"; fi
chmod 0644 "$dotenv"

mkdir -p "$(dirname "$profile")"
[ -e "$profile" ] || echo '# Variables exported by the features baked into this image (images/scripts/feature-env.sh).' >"$profile"
while IFS= read -r line || [ -n "$line" ]; do
  [ -n "$line" ] || continue
  # Single-quoted for the shell: a ' inside the value becomes '\''.
  value=$(printf '%s' "${line#*=}" | sed "s/'/'\\\\''/g")
  printf "export %s='%s'\n" "${line%%=*}" "$value" >>"$profile"
done <"$src"
chmod 0644 "$profile"
