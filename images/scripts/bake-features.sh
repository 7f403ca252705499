#!/bin/sh
# bake-features.sh: installs features into an image at build time. The one flow shared by the base
# image (RUNNER_FEATURES build arg) and the variants (VARIANT_FEATURES), so both accept the same
# features, mirrors and keys, and fail the same way:
#
#   sh /usr/local/lib/runner-features/bake-features.sh /etc/runner-features/base nodejs@20 chrome
#
#   1. <dir>/runner-config.yml: a team config listing the specs, one per line.
#   2. `runner features lock --platform linux-<arch>` writes <dir>/runner-features.lock: every URL
#      and sha256 the install will use. For a feature whose upstream publishes no digest (chrome,
#      aws-cli) this is where its sha256 is pinned, on first use (docs/trust.md); an install without
#      a lock fails closed for it (CHECKSUM_MISSING).
#   3. `runner features install --config <dir>/runner-config.yml --frozen`: exactly that lock.
#   4. What the features export (GITHUB_ENV, pointed at a scratch file) goes to the runner's .env
#      and /etc/profile.d (feature-env.sh next to this script).
# The config and the lock stay in the image (mode 0644): they record what the layer was built
# from, and `RUNNER_FEATURES_CONFIG=<dir>/runner-config.yml RUNNER_FEATURES_FROZEN=1` at container
# start re-checks them without network. The download cache, the scratch file and the trusted key
# are removed, so they never become part of the layer.
#
# Environment (build args): RUNNER_FEATURES_MIRRORS (entries parsed by with-mirrors.sh, which runs
# every `runner` call here); RUNNER_FEATURES_TRUSTED_KEYS_ASC (armored public keys of a mirror that
# re-signs checksum files; written to a temporary file for this run only); TARGETARCH (docker's,
# picks the lock's platform; else the machine's). Exit 64: bad usage; otherwise the CLI's status.
set -eu

if [ "$#" -lt 2 ] || [ -z "$1" ]; then
  echo 'bake-features: usage: bake-features.sh <config dir> <feature spec>...' >&2
  echo '  hint: e.g. bake-features.sh /etc/runner-features/base "nodejs@20" "chrome"' >&2
  exit 64
fi
dir=$1
shift
# In the image the helpers sit next to this script; in the repository, in images/scripts and images/base.
here=$(cd "$(dirname "$0")" && pwd)
mirrors=$here/with-mirrors.sh
feature_env=$here/feature-env.sh
os_packages=$here/os-packages.sh
[ -f "$os_packages" ] || os_packages=$here/../base/os-packages.sh

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ -n "${RUNNER_FEATURES_TRUSTED_KEYS_ASC:-}" ]; then
  printf '%s\n' "$RUNNER_FEATURES_TRUSTED_KEYS_ASC" >"$scratch/trusted.asc"
  export RUNNER_FEATURES_TRUSTED_KEYS="$scratch/trusted.asc"
fi
unset RUNNER_FEATURES_TRUSTED_KEYS_ASC
export RUNNER_FEATURES_CACHE_DIR="$scratch/cache"

arch=$(sh "$os_packages" arch "${TARGETARCH:-}")
mkdir -p "$dir"
config=$dir/runner-config.yml
{
  echo '# Written by bake-features.sh at image build time: the features baked into this image.'
  echo 'features:'
  # YAML single-quoted scalars: the spec is taken literally (a ' is written twice).
  for spec in "$@"; do printf "  - '%s'\n" "$(printf '%s' "$spec" | sed "s/'/''/g")"; done
} >"$config"

sh "$mirrors" runner features lock --config "$config" --platform "linux-$arch"
GITHUB_ENV=$scratch/env sh "$mirrors" runner features install --config "$config" --frozen
sh "$feature_env" "$scratch/env"
chmod 0644 "$config" "$dir/runner-features.lock"
