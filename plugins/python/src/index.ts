import { DISTRO_PACKAGE_PLATFORMS, defineSystemFeature, type SystemPackages } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }

const manifest = pkg.runner.feature

const PLATFORMS = DISTRO_PACKAGE_PLATFORMS

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
