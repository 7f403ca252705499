# Multi-arch builds (amd64 + arm64, pushed as manifest lists):
#   node images/scripts/prepare-context.mjs --arch x64,arm64
#   docker buildx bake -f images/docker-bake.hcl --push
# The context is the directory prepare-context.mjs writes; Dockerfiles pick the CLI's Node by
# TARGETARCH. server-run and gpu build FROM the base target (bake passes it as a named context).
# Families: `docker buildx bake debian-family` (Ubuntu/Debian bases, the default group) and
# `docker buildx bake rhel-family` (UBI 9 / Rocky 9 bases: the same Dockerfile takes its dnf path).

variable "REGISTRY" { default = "ghcr.io/acme/runner-features" }
variable "TAG" { default = "latest" }
variable "CONTEXT" { default = ".cache/images/context" }
variable "RUNNER_VERSION" { default = "2.329.0" }
variable "RUNNER_FEATURES" { default = "" }
variable "RUNNER_PLUGINS" { default = "" }

group "default" {
  targets = ["base", "server-run"]
}

group "debian-family" {
  targets = ["base", "base-debian", "server-run"]
}

group "rhel-family" {
  targets = ["base-ubi", "base-rocky", "server-run-rhel"]
}

target "_common" {
  context   = CONTEXT
  platforms = ["linux/amd64", "linux/arm64"]
}

target "base" {
  inherits   = ["_common"]
  dockerfile = "images/base/Dockerfile"
  args = {
    BASE_IMAGE      = "ubuntu:24.04"
    IMAGE_OS        = "ubuntu24"
    RUNNER_VERSION  = RUNNER_VERSION
    RUNNER_FEATURES = RUNNER_FEATURES
    RUNNER_PLUGINS  = RUNNER_PLUGINS
  }
  tags = ["${REGISTRY}/base:${TAG}"]
}

# Debian variant of the same Dockerfile. Alpine is unsupported by the Actions runner (glibc only)
# and can only be a features base, never a runner base.
target "base-debian" {
  inherits = ["base"]
  args = {
    BASE_IMAGE = "debian:bookworm"
    IMAGE_OS   = "debian12"
  }
  tags = ["${REGISTRY}/base:${TAG}-debian"]
}

# RHEL family: the same Dockerfile; os-packages.sh finds dnf and installs the rpm names
# (shadow-utils, procps-ng, xz, sudo, ...). Same uid 1001 / docker gid 123 / sudo / tool cache.
# Not built in this repository's CI (no RHEL base or rpm repository is reachable there); see
# images/README.md for what is verified statically.
target "base-ubi" {
  inherits = ["base"]
  args = {
    BASE_IMAGE = "registry.access.redhat.com/ubi9/ubi:latest"
    IMAGE_OS   = "rhel9"
  }
  tags = ["${REGISTRY}/base:${TAG}-ubi9"]
}

target "base-rocky" {
  inherits = ["base"]
  args = {
    BASE_IMAGE = "docker.io/rockylinux/rockylinux:9"
    IMAGE_OS   = "rocky9"
  }
  tags = ["${REGISTRY}/base:${TAG}-rocky9"]
}

target "server-run" {
  inherits   = ["_common"]
  dockerfile = "images/server-run/Dockerfile"
  contexts   = { base = "target:base" }
  args       = { BASE_IMAGE = "base" }
  tags       = ["${REGISTRY}/server-run:${TAG}"]
}

# server-run on the Rocky base (Rocky's repositories carry every package the features need; UBI's
# freely redistributable subset may lack some, e.g. wget or jq, without a subscription).
target "server-run-rhel" {
  inherits = ["server-run"]
  contexts = { base = "target:base-rocky" }
  tags     = ["${REGISTRY}/server-run:${TAG}-rocky9"]
}

target "gpu" {
  inherits   = ["_common"]
  dockerfile = "images/gpu/Dockerfile"
  contexts   = { base = "target:base" }
  args       = { BASE_IMAGE = "base", CUDA_VERSION = "12.6" }
  tags       = ["${REGISTRY}/gpu:${TAG}"]
}

# The microVM flavour (images/microvm): the base booted as a one-job VM by krunvm, driven by
# deploy/microvm/orchestrator.mjs. Not in the default group: build it where you run krunvm.
target "microvm" {
  inherits   = ["_common"]
  dockerfile = "images/microvm/Dockerfile"
  contexts   = { base = "target:base" }
  args       = { BASE_IMAGE = "base" }
  tags       = ["${REGISTRY}/microvm:${TAG}"]
}

# Variants: the base image plus features, one layer (images/variant/Dockerfile locks them for the
# image's platform, then installs --frozen). `docker buildx bake variants`. Each target's platforms
# are those every one of its features supports (bake.static.test.ts checks this against the
# plugins' platform matrices): Chrome for Testing publishes no linux arm64 build, so the chrome
# targets are amd64 only; on arm64 use Debian's `chromium` package. CI builds and runs all three on
# amd64 and go on arm64 too (images/test/images.test.ts, arm64-image.test.ts; images/README.md).
group "variants" {
  targets = ["go", "chrome", "chrome-go"]
}

target "_variant" {
  inherits   = ["_common"]
  dockerfile = "images/variant/Dockerfile"
  contexts   = { base = "target:base" }
}

target "go" {
  inherits = ["_variant"]
  args     = { BASE_IMAGE = "base", VARIANT_FEATURES = "go" }
  tags     = ["${REGISTRY}/go:${TAG}"]
}

target "chrome" {
  inherits  = ["_variant"]
  platforms = ["linux/amd64"]
  args      = { BASE_IMAGE = "base", VARIANT_FEATURES = "chrome" }
  tags      = ["${REGISTRY}/chrome:${TAG}"]
}

target "chrome-go" {
  inherits  = ["_variant"]
  platforms = ["linux/amd64"]
  args      = { BASE_IMAGE = "base", VARIANT_FEATURES = "chrome go" }
  tags      = ["${REGISTRY}/chrome-go:${TAG}"]
}
