import { RunnerError, defineFeature, type FeatureContext, type RemoteVersion } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }
import { sha256FileSchema, stableTagSchema } from './schema.js'

const manifest = pkg.runner.feature
const RELEASE = `${manifest.upstream}release/`
const KUBE_ARCH = { x64: 'amd64', arm64: 'arm64' } as const
/**
 * How many minors below the current stable one are listed. dl.k8s.io has no index of every
 * release, only `stable.txt` and one `stable-<minor>.txt` per minor; the Kubernetes project
 * supports the newest three minors and kubectl talks to servers one minor either side, so six
 * reach every cluster still in support plus three minors of stragglers.
 */
const MINORS_LISTED = 6

/** Reads and validates one of dl.k8s.io's stable marker files; `undefined` when it is absent (404). */
async function stableTag(ctx: FeatureContext, file: string): Promise<[number, number, number] | undefined> {
  const url = `${RELEASE}${file}`
  let text: string
  try {
    text = await ctx.http.text(url)
  } catch (err) {
    if (err instanceof RunnerError && (err.details as { status?: unknown } | undefined)?.status === 404 && file !== 'stable.txt') return undefined
    throw err
  }
  const parsed = stableTagSchema.safeParse(text)
  if (!parsed.success) {
    throw new RunnerError('UPSTREAM_FORMAT', `${file} holds ${JSON.stringify(text.slice(0, 40))}, not a release tag such as v1.33.9`, { where: url, hint: 'the upstream format changed or the mirror serves something else' })
  }
  const [major, minor, patch] = parsed.data.slice(1).split('.').map(Number) as [number, number, number]
  return [major, minor, patch]
}

/**
 * kubectl from dl.k8s.io, the way azure/setup-kubectl fetches it: a single static binary at
 * `release/v<V>/bin/linux/<amd64|arm64>/kubectl`, its digest in the `kubectl.sha256` next to it.
 * Installed as the tool-cache tool `kubectl` under the version without `v` (`kubectl/1.33.9/x64`),
 * which is where setup-kubectl's `toolCache.find('kubectl', 'v1.33.9')` looks.
 */
export default defineFeature(pkg, {
  /**
   * Kubernetes publishes every patch of a minor in order, so `stable-1.33.txt` saying `v1.33.9`
   * means 1.33.0 … 1.33.9 exist: the list is synthesized from `stable.txt` and the newest
   * {@link MINORS_LISTED} minors' marker files (a minor whose marker is missing is skipped).
   */
  async listVersions(ctx): Promise<RemoteVersion[]> {
    const latest = (await stableTag(ctx, 'stable.txt'))!
    const [major, newest] = latest
    const minors = Array.from({ length: Math.min(MINORS_LISTED, newest + 1) }, (_, i) => newest - i)
    const tags = await Promise.all(minors.map((minor) => stableTag(ctx, `stable-${major}.${minor}.txt`)))
    const out: RemoteVersion[] = []
    for (const tag of tags) {
      if (!tag) continue
      // stable.txt may run ahead of its minor's marker while a release propagates: take the newer.
      const last = tag[1] === newest ? Math.max(tag[2], latest[2]) : tag[2]
      for (let patch = last; patch >= 0; patch--) out.push({ version: `${tag[0]}.${tag[1]}.${patch}` })
    }
    if (!tags[0]) for (let patch = latest[2]; patch >= 0; patch--) out.push({ version: `${major}.${newest}.${patch}` })
    return out
  },

  async artifact(version, platform, ctx) {
    const url = `${RELEASE}v${version.version}/bin/linux/${KUBE_ARCH[platform.arch]}/kubectl`
    const sumUrl = `${url}.sha256`
    const text = await ctx.http.text(sumUrl)
    const parsed = sha256FileSchema.safeParse(text)
    if (!parsed.success) {
      throw new RunnerError('CHECKSUM_MISSING', `kubectl.sha256 for ${version.version} holds no sha256 digest`, { where: sumUrl, hint: 'the upstream format changed or the mirror serves something else' })
    }
    return { url, sha256: parsed.data, checksumSource: sumUrl, archive: 'file', fileName: 'kubectl', strip: 0 }
  },
})
