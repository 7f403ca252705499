import { RunnerError, type PackageManager, type Platform } from '@runner-features/core'
import { AptManager } from './apt.js'
import { ApkManager } from './apk.js'
import { ChocoManager } from './choco.js'
import { DnfManager } from './dnf.js'
import type { PmDeps } from './deps.js'

/**
 * The native package manager of a platform: apt for the Debian family, dnf (yum where dnf is
 * absent) for the RHEL family, apk for Alpine, choco on Windows (chosen by `os`: Windows has no
 * distro family). Other families fail with `UNSUPPORTED_PLATFORM`.
 */
export async function packageManagerFor(platform: Platform, deps: PmDeps): Promise<PackageManager> {
  if (platform.os === 'windows') return new ChocoManager(deps)
  switch (platform.distro.family) {
    case 'debian':
      return new AptManager(deps)
    case 'rhel':
      return new DnfManager(deps, (await deps.which('dnf')) || !(await deps.which('yum')) ? 'dnf' : 'yum')
    case 'alpine':
      return new ApkManager(deps)
    default:
      throw new RunnerError('UNSUPPORTED_PLATFORM', `no supported package manager for ${platform.distro.id} ${platform.distro.versionId} (family ${platform.distro.family})`, {
        where: platform.distro.id,
        hint: 'system packages are installed with apt (Debian, Ubuntu), dnf/yum (RHEL, Rocky, Alma, Fedora, Amazon Linux) apk (Alpine) or choco (Windows)',
      })
  }
}
