#!/bin/sh
# Installs the CUDA toolkit (never a driver) into the tool cache through the `cuda` feature, then
# exposes it where NVIDIA's images and most build systems look: /usr/local/cuda, plus an ld.so.conf
# entry for its lib/. Runs at image build time (images/gpu/Dockerfile) as root.
#
# Environment:
#   CUDA_VERSION             required: a version spec of the feature (12.6 = newest 12.6.x, 12.4.1)
#   CUDA_COMPONENTS          optional: redist components, space- or comma-separated; empty = the
#                            feature's default set (cuda_nvcc cuda_cudart cuda_nvrtc cuda_cccl libcublas)
#   RUNNER_FEATURES_MIRRORS  optional: "cuda=<base> ..." (NVIDIA redist layout at <base>) and/or
#                            upstream URL-prefix rewrites "<prefix>=<URL>" (images/scripts/with-mirrors.sh)
#   CUDA_LINK                default /usr/local/cuda
#   LD_CONF_DIR              default /etc/ld.so.conf.d
set -eu
: "${CUDA_VERSION:?set CUDA_VERSION, e.g. 12.6 or 12.4.1}"
link=${CUDA_LINK:-/usr/local/cuda}
ldconf=${LD_CONF_DIR:-/etc/ld.so.conf.d}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# RUNNER_FEATURES_MIRRORS is the images' build-arg list ("cuda=URL", URL-prefix rewrites), which
# every image parses with the same script: next to this one in the image, in images/scripts/ in
# the repository. It runs the install; a malformed entry stops it with exit 64 before any request.
here=$(dirname "$0")
with_mirrors=$here/with-mirrors.sh
[ -f "$with_mirrors" ] || with_mirrors=$here/../scripts/with-mirrors.sh

set -f
list=""
for c in $(printf '%s' "${CUDA_COMPONENTS:-}" | tr ',' ' '); do
  list="${list:+$list, }$c"
done
if [ -n "$list" ]; then
  # Options only reach a feature through a config: write a one-entry config (the feature validates
  # every name against the release's redistrib JSON: INVALID_OPTIONS for an unknown one).
  printf 'features:\n  - id: cuda\n    version: "%s"\n    options:\n      components: [%s]\n' "$CUDA_VERSION" "$list" > "$work/runner-config.yml"
  RUNNER_FEATURES_CACHE_DIR="$work/cache" sh "$with_mirrors" runner features install --config "$work/runner-config.yml"
else
  RUNNER_FEATURES_CACHE_DIR="$work/cache" sh "$with_mirrors" runner features install "cuda@$CUDA_VERSION"
fi
set +f
# Not for `features list`: the CLI would read the "cuda=URL" list as malformed URL-prefix rewrites.
unset RUNNER_FEATURES_MIRRORS

dir=$(runner features list --json | jq -r '[.installed[] | select(.id == "cuda")] | last | .path // empty')
if [ -z "$dir" ] || [ ! -x "$dir/bin/nvcc" ]; then
  echo "install-cuda: the cuda feature reported no install with bin/nvcc (got '${dir}')" >&2
  exit 1
fi
ln -sfn "$dir" "$link"
mkdir -p "$ldconf"
printf '%s/lib\n' "$link" > "$ldconf/cuda.conf"
if [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null 2>&1; then ldconfig; fi
echo "install-cuda: $link -> $dir"
