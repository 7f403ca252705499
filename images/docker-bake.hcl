# Multi-arch builds (amd64 + arm64, pushed as manifest lists):
#   node images/scripts/prepare-context.mjs --arch x64,arm64
#   docker buildx bake -f images/docker-bake.hcl --push
# The context is the directory prepare-context.mjs writes; Dockerfiles pick the CLI's Node by
# TARGETARCH. server-run and gpu build FROM the base target (bake passes it as a named context).

variable "REGISTRY" { default = "ghcr.io/acme/runner-features" }
variable "TAG" { default = "latest" }
variable "CONTEXT" { default = ".cache/images/context" }
variable "RUNNER_VERSION" { default = "2.329.0" }
variable "RUNNER_FEATURES" { default = "" }
variable "RUNNER_PLUGINS" { default = "" }

group "default" {
  targets = ["base", "server-run"]
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

# Debian variant of the same Dockerfile (the Actions runner supports Debian and Ubuntu; RHEL-family
# bases need a dnf variant of the apt steps and are not provided yet; Alpine is unsupported by the
# Actions runner and can only be a features base).
target "base-debian" {
  inherits = ["base"]
  args = {
    BASE_IMAGE = "debian:bookworm"
    IMAGE_OS   = "debian12"
  }
  tags = ["${REGISTRY}/base:${TAG}-debian"]
}

target "server-run" {
  inherits   = ["_common"]
  dockerfile = "images/server-run/Dockerfile"
  contexts   = { base = "target:base" }
  args       = { BASE_IMAGE = "base" }
  tags       = ["${REGISTRY}/server-run:${TAG}"]
}

target "gpu" {
  inherits   = ["_common"]
  dockerfile = "images/gpu/Dockerfile"
  contexts   = { base = "target:base" }
  args       = { BASE_IMAGE = "base", CUDA_VERSION = "12.6" }
  tags       = ["${REGISTRY}/gpu:${TAG}"]
}
