import { defineSystemFeature, type DistroSupport, type PlatformSupport, type SystemPackages } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }

const manifest = pkg.runner.feature

const GLIBC_DISTROS: DistroSupport[] = [
  { family: 'debian', id: 'debian', versions: '>=11' },
  { family: 'debian', id: 'ubuntu', versions: '>=20.04' },
  { family: 'rhel', id: 'rhel', versions: '>=8' },
  { family: 'rhel', id: 'rocky', versions: '>=8' },
  { family: 'rhel', id: 'almalinux', versions: '>=8' },
  { family: 'rhel', id: 'fedora', versions: '>=39' },
  { family: 'rhel', id: 'amzn', versions: '>=2023' },
]
const PLATFORMS: PlatformSupport[] = [
  { os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc'], distros: GLIBC_DISTROS },
  { os: 'linux', arch: ['x64', 'arm64'], libc: ['musl'], distros: [{ family: 'alpine', id: 'alpine', versions: '>=3.18' }] },
]

/**
 * The distro's python3 with pip and venv. Debian and Ubuntu split venv (and ensurepip) into
 * `python3-venv`; RHEL, Fedora and Alpine ship venv inside python3.
 */
const PACKAGES: SystemPackages = {
  debian: ['python3', 'python3-pip', 'python3-venv'],
  rhel: ['python3', 'python3-pip'],
  alpine: ['python3', 'py3-pip'],
}

/**
 * `python@system`. (Relocatable CPython builds into the tool cache as `Python/<ver>/<arch>/`, for
 * actions/setup-python, are not implemented yet: other specs fail with a hint to use `@system`.)
 */
export default defineSystemFeature({
  ...manifest,
  platforms: PLATFORMS,
  bins: ['python3', 'pip3'],
  packages: () => PACKAGES,
  smokeTest: { command: ['python3', '--version'], expect: 'Python 3.' },
  smokeTests: [
    { command: ['python3', '-m', 'pip', '--version'], expect: 'pip ' },
    { command: ['python3', '-c', 'import ensurepip, venv; print("venv ok")'], expect: 'venv ok' },
  ],
})
