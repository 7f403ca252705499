#!/bin/sh
# The base image's OS steps for both supported families, picked by the package manager present:
# Debian/Ubuntu (apt-get + dpkg) or the RHEL family (dnf, microdnf or yum + rpm: UBI, Rocky,
# AlmaLinux, Fedora). Alpine is not a runner base (the Actions runner does not support musl).
#
#   os-packages.sh family                          print debian or rhel
#   os-packages.sh ensure "<deb pkgs>" "<rpm pkgs>"  install what is missing from this family's list
#   os-packages.sh runner-deps <installdependencies.sh>  run the Actions runner's dependency installer
#   os-packages.sh arch [TARGETARCH]               print x64 or arm64 (TARGETARCH, else uname -m)
#
# Already-installed packages are skipped, so a base that ships them needs no repository access.
set -eu
set -f

fail() {
  printf 'os-packages: %s\n' "$1" >&2
  exit 1
}

family() {
  if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
    echo debian
  elif command -v dnf >/dev/null 2>&1 || command -v microdnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then
    echo rhel
  else
    fail 'no apt-get or dnf/microdnf/yum: the base must be Debian/Ubuntu or RHEL-family (Alpine can only be a features base, not a runner base)'
  fi
}

rpm_tool() {
  for t in dnf microdnf yum; do
    if command -v "$t" >/dev/null 2>&1; then
      echo "$t"
      return 0
    fi
  done
  fail 'no dnf, microdnf or yum'
}

missing_deb() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}

missing_rpm() {
  for p in "$@"; do
    rpm -q --whatprovides "$p" >/dev/null 2>&1 && continue
    # UBI and Rocky 9 ship curl-minimal, which conflicts with the curl package: a curl is enough.
    if [ "$p" = curl ] && command -v curl >/dev/null 2>&1; then continue; fi
    printf '%s\n' "$p"
  done
}

ensure() {
  if [ "$(family)" = debian ]; then
    # shellcheck disable=SC2086 # the list is space-separated on purpose (globbing is off)
    missing=$(missing_deb $1)
    [ -n "$missing" ] || return 0
    apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
    rm -rf /var/lib/apt/lists/*
  else
    # shellcheck disable=SC2086
    missing=$(missing_rpm $2)
    [ -n "$missing" ] || return 0
    tool=$(rpm_tool)
    if [ "$tool" = microdnf ]; then
      # shellcheck disable=SC2086
      microdnf install -y --nodocs --setopt=install_weak_deps=0 $missing
    else
      # shellcheck disable=SC2086
      "$tool" install -y --setopt=install_weak_deps=False --setopt=tsflags=nodocs $missing
    fi
    "$tool" clean all
    rm -rf /var/cache/dnf /var/cache/yum
  fi
}

runner_deps() {
  [ -x "$1" ] || return 0
  if [ "$(family)" = debian ]; then
    apt-get update
    "$1"
    rm -rf /var/lib/apt/lists/*
  else
    # The runner's script knows dnf/yum itself (libicu, openssl, lttng-ust, krb5).
    "$1"
    "$(rpm_tool)" clean all
  fi
}

arch() {
  a=${1:-}
  [ -n "$a" ] || a=$(uname -m)
  case "$a" in
    amd64 | x64 | x86_64) echo x64 ;;
    arm64 | aarch64) echo arm64 ;;
    *) fail "unsupported architecture $a (x64 and arm64 only)" ;;
  esac
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  family) family ;;
  ensure) ensure "${1:-}" "${2:-}" ;;
  runner-deps) runner_deps "${1:-}" ;;
  arch) arch "${1:-}" ;;
  *) fail "usage: os-packages.sh family|ensure \"<deb pkgs>\" \"<rpm pkgs>\"|runner-deps <script>|arch [TARGETARCH]" ;;
esac
