import { defineSystemFeature, type Platform, type SystemPackages } from '@runner-features/kit'
import type { RepositorySpec } from '@runner-features/core'
import pkg from '../package.json' with { type: 'json' }
import { dockerOptions, type DockerOptions } from './options.js'

const manifest = pkg.runner.feature

/** Signs Docker's apt repositories (download.docker.com/linux/{debian,ubuntu}/gpg). */
export const DOCKER_APT_FINGERPRINT = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88'
/** Signs Docker's rpm repositories (download.docker.com/linux/{fedora,rhel,centos}/gpg). */
export const DOCKER_RPM_FINGERPRINT = '060A61C51B558A7F742B77AAC52FEB6B621E9F35'

/** Docker publishes one rpm tree per distro; Rocky, Alma and CentOS Stream use the `centos` one. */
const RPM_TREE: Record<string, string> = { fedora: 'fedora', rhel: 'rhel', centos: 'centos', rocky: 'centos', almalinux: 'centos' }

/**
 * Docker's own repository for this distro: apt `linux/<debian|ubuntu> <codename> stable`, or the
 * rpm `linux/<tree>/$releasever/$basearch/stable` (dnf expands the variables). Alpine has none:
 * its community repository carries docker itself.
 */
function repositories(platform: Platform): Partial<Record<'debian' | 'rhel', RepositorySpec>> {
  const { id, codename } = platform.distro
  if (platform.distro.family === 'debian') {
    const base = `${manifest.upstream}linux/${id}`
    return { debian: { name: 'docker', url: base, keyUrl: `${base}/gpg`, fingerprint: DOCKER_APT_FINGERPRINT, suite: codename, components: ['stable'] } }
  }
  const tree = RPM_TREE[id]
  if (platform.distro.family === 'rhel' && tree) {
    const base = `${manifest.upstream}linux/${tree}`
    return { rhel: { name: 'docker-ce-stable', url: `${base}/$releasever/$basearch/stable`, keyUrl: `${base}/gpg`, fingerprint: DOCKER_RPM_FINGERPRINT } }
  }
  return {}
}

/** The client always; the engine (daemon + containerd) only with `engine: true`. */
function packages(_platform: Platform, options: Readonly<Record<string, unknown>> = {}): SystemPackages {
  const { engine } = options as Partial<DockerOptions>
  const repo = ['docker-ce-cli', 'docker-buildx-plugin', 'docker-compose-plugin', ...(engine ? ['docker-ce', 'containerd.io'] : [])]
  return { debian: repo, rhel: repo, alpine: ['docker-cli', 'docker-cli-buildx', 'docker-cli-compose', ...(engine ? ['docker'] : [])] }
}

/** Said whenever the engine lands in a container: it installs, but `dockerd` will not run unprivileged. */
export const ENGINE_IN_CONTAINER =
  'the Docker engine was installed inside a container: dockerd only runs there when the container is privileged (--privileged, or securityContext.privileged in Kubernetes). Without that, use a Docker-in-Docker sidecar (ARC containerMode.type: dind, which runs `dockerd --group=123`) and keep only the CLI here (engine: false), pointing DOCKER_HOST at its socket.'

/**
 * Platforms (stated once, in package.json) are where Docker publishes packages
 * (docs.docker.com/engine/install): Debian ≥ 11, Ubuntu ≥ 22.04 (focal left the repository in
 * 2025), RHEL ≥ 8, CentOS Stream ≥ 9 and its rebuilds, Fedora ≥ 40; Alpine ≥ 3.18 from its own
 * community repository. Amazon Linux has no Docker CE repository.
 *
 * `docker@system`: the Docker CLI, buildx and compose, from Docker's signed repositories (apt/dnf)
 * or Alpine's community packages; the engine too with `options.engine`. The runner's user joins
 * the `docker` group, gid 123 as in ARC's runner image and dind sidecar.
 */
export default defineSystemFeature(pkg, {
  bins: ['docker'],
  packages,
  repositories,
  groups: [{ name: 'docker', gid: 123 }],
  options: dockerOptions,
  notices: (options, { inContainer }) => ((options as Partial<DockerOptions>).engine && inContainer ? [ENGINE_IN_CONTAINER] : []),
  smokeTest: { command: ['docker', '--version'], expect: 'Docker version' },
  smokeTests: [
    { command: ['docker', 'buildx', 'version'], expect: 'github.com/docker/buildx' },
    { command: ['docker', 'compose', 'version'], expect: 'Docker Compose version' },
  ],
})
