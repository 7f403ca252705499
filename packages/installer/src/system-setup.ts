import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import { RunnerError, mirrorEnvName, type Env, type Feature, type Platform, type RepositorySpec } from '@runner-features/core'

/**
 * `RUNNER_FEATURES_MIRROR_<ID>_KEY_FINGERPRINT`: the key a mirror re-signs a vendor's package
 * repository with (aptly, Artifactory and Nexus proxies that publish under their own key). Only
 * honoured together with a mirror for that feature.
 */
export function mirrorKeyEnvName(featureId: string): string {
  return `${mirrorEnvName(featureId)}_KEY_FINGERPRINT`
}

/**
 * The repository a system feature needs on this platform, as it is really fetched: repository and
 * key URLs rebased onto the feature's mirror by `resolve` (the same rebasing as artifact downloads,
 * so a URL outside the upstream fails with `MIRROR_ESCAPE`), and the expected fingerprint replaced
 * when the mirror declares its own signing key. Undefined when the feature needs none here.
 */
export function repositoryFor(feature: Pick<Feature, 'id' | 'upstream' | 'repositories'>, platform: Platform, resolve: (url: string) => string, env: Env): RepositorySpec | undefined {
  const declared = feature.repositories?.(platform)[platform.distro.family]
  if (!declared) return undefined
  const keyEnv = mirrorKeyEnvName(feature.id)
  const fingerprint = env[keyEnv]?.trim()
  const mirrored = resolve(feature.upstream) !== feature.upstream
  if (fingerprint && !mirrored) {
    throw new RunnerError('INVALID_MIRROR', `${keyEnv} is set but no mirror is set for ${feature.id}`, {
      where: keyEnv,
      hint: `a replacement signing key only applies to a mirror: set ${mirrorEnvName(feature.id)} (or --mirror ${feature.id}=<url>) too, or unset ${keyEnv}`,
    })
  }
  if (fingerprint && !/^(0x)?[0-9a-f\s:]{40,}$/i.test(fingerprint)) {
    throw new RunnerError('INVALID_MIRROR', `${keyEnv} is not an OpenPGP fingerprint (40 hex digits)`, { where: keyEnv, hint: 'copy it from `gpg --show-keys --with-colons <key>` (the fpr line)' })
  }
  return { ...declared, url: resolve(declared.url), keyUrl: resolve(declared.keyUrl), fingerprint: fingerprint || declared.fingerprint }
}

/**
 * The user the Actions runner runs as, who must join the feature's groups: `RUNNER_FEATURES_USER`,
 * else `SUDO_USER` (someone ran `sudo runner …`), else the current user when not root, else
 * `runner` when that account exists (the ARC runner image's user, uid 1001), else nobody.
 */
export async function runnerUser(env: Env, uid: number, userExists: (name: string) => Promise<boolean>): Promise<string | undefined> {
  if (env.RUNNER_FEATURES_USER) return env.RUNNER_FEATURES_USER
  if (env.SUDO_USER && env.SUDO_USER !== 'root') return env.SUDO_USER
  if (uid !== 0) return userInfo().username
  return (await userExists('runner')) ? 'runner' : undefined
}

/** Docker and podman leave these behind; systemd-nspawn and LXC set `container` for PID 1 and its children. */
export function detectContainer(env: Env, root = '/'): boolean {
  return Boolean(env.container) || existsSync(`${root}.dockerenv`) || existsSync(`${root}run/.containerenv`)
}
