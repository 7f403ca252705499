import { defineSystemFeature, type SystemPackages } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }

const manifest = pkg.runner.feature


/**
 * Per-family names. Differences: the ssh client is `openssh-clients` on RHEL; gpg is `gnupg2`
 * there; xz is `xz-utils` on Debian. On Amazon Linux 2023 `curl-minimal` and `gnupg2-minimal`
 * already provide `curl`/`gnupg2` (core's `rpm -q --whatprovides` check counts them).
 */
const PACKAGES: SystemPackages = {
  debian: ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'openssh-client', 'sudo', 'ca-certificates', 'gnupg', 'tar', 'xz-utils'],
  rhel: ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'openssh-clients', 'sudo', 'ca-certificates', 'gnupg2', 'tar', 'xz'],
  alpine: ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'openssh-client', 'sudo', 'ca-certificates', 'gnupg', 'tar', 'xz'],
}

/** The everyday tools hosted runners have and minimal runner images lack (ARC#3342, actions/runner#3056). */
export default defineSystemFeature(pkg, {
  bins: ['git', 'curl', 'wget', 'jq', 'unzip', 'zip', 'ssh', 'sudo', 'gpg', 'tar', 'xz'],
  packages: () => PACKAGES,
  smokeTest: { command: ['git', '--version'], expect: 'git version' },
  smokeTests: [
    { command: ['curl', '--version'], expect: 'curl ' },
    { command: ['jq', '--version'], expect: 'jq-' },
    { command: ['ssh', '-V'], expect: 'OpenSSH' },
    { command: ['gpg', '--version'], expect: 'gpg (GnuPG)' },
    { command: ['xz', '--version'], expect: 'xz (XZ Utils)' },
    { command: ['unzip', '-v'], expect: 'UnZip' },
  ],
})
