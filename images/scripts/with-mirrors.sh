#!/bin/sh
# with-mirrors.sh: runs a command with the images' RUNNER_FEATURES_MIRRORS build arg turned into
# what the `runner` CLI reads. Shared by every Dockerfile that installs features at build time
# (base, server-run, variant; gpu through install-cuda.sh), so they all accept the same entries
# and fail the same way.
#
#   sh /usr/local/lib/runner-features/with-mirrors.sh runner features install go@1.24
#
# RUNNER_FEATURES_MIRRORS holds entries separated by spaces, tabs, new lines or commas:
#   go=https://mirror.example/go/dl/
#       a feature's mirror: exported as RUNNER_FEATURES_MIRROR_GO (id upper-cased, `-` -> `_`).
#   https://storage.googleapis.com/=https://mirror.example/gcs/
#       an upstream URL-prefix rewrite (docs/offline.md): handed to the command in
#       RUNNER_FEATURES_MIRRORS, comma-separated, which is how the CLI reads that variable. Needed
#       for features whose upstream spans hosts (Chrome for Testing lists zips on another host).
# The build arg's own value never reaches the command: the CLI would read `go=URL` as a malformed
# rewrite. With no rewrite entries the variable is unset.
#
# An entry that is neither kind stops here with exit 64 and names it (credentials redacted),
# before the command runs, so before any request.
set -eu

fail() {
  printf 'with-mirrors: %s\n' "$1" >&2
  [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2
  exit 64
}
# user:password@ in any URL of a message becomes ***@ (a mirror URL may carry credentials).
redact() { printf '%s' "$1" | sed -E 's#(://)[^/?#[:space:]]*@#\1***@#g'; }
malformed() {
  fail "RUNNER_FEATURES_MIRRORS entry \"$(redact "$1")\" is neither <feature>=<URL> nor <upstream URL prefix>=<URL>" \
    'e.g. "go=https://mirror.example/go/dl/ https://storage.googleapis.com/=https://mirror.example/gcs/" (URLs start with http:// or https://)'
}

[ "$#" -gt 0 ] || fail 'no command given' 'usage: with-mirrors.sh <command> [argument...]'

rules=''
set -f # an entry is text, never a glob
old_ifs=$IFS
IFS=' 	
,'
for entry in ${RUNNER_FEATURES_MIRRORS:-}; do
  key=${entry%%=*}
  value=${entry#*=}
  if [ "$key" = "$entry" ] || [ -z "$key" ] || [ -z "$value" ]; then malformed "$entry"; fi
  case "$key" in
    http://[!/=]* | https://[!/=]*)
      rules="${rules:+$rules,}$entry"
      ;;
    [a-z]*)
      case "$key" in *[!a-z0-9-]*) malformed "$entry" ;; esac
      case "$value" in http://?* | https://?*) ;; *) malformed "$entry" ;; esac
      id=$(printf '%s' "$key" | tr 'a-z-' 'A-Z_')
      export "RUNNER_FEATURES_MIRROR_$id=$value"
      ;;
    *) malformed "$entry" ;;
  esac
done
IFS=$old_ifs
set +f

unset RUNNER_FEATURES_MIRRORS
if [ -n "$rules" ]; then export RUNNER_FEATURES_MIRRORS="$rules"; fi
exec "$@"
