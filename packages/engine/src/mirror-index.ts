import { RunnerError, SYSTEM_VERSION, isRunnerError, redactUrl, type Feature, type FeatureContext, type HttpClient, type MirrorIndexFile, type Schema } from '@runner-features/core'

/**
 * Where a static web server looks for a URL under a mirror root: `<host>/<path>`, the query
 * dropped (python's `http.server`, nginx's `root` and our file:// mirrors all ignore it), and a
 * URL naming a directory (`go.dev/dl/?mode=json&include=all`) as that directory's `index.html`.
 * So `api.github.com/repos/<repo>/releases?per_page=100&page=1` is stored as
 * `api.github.com/repos/<repo>/releases`. Refuses anything that could leave the mirror root.
 */
export function staticMirrorPath(url: string): string {
  const u = new URL(url)
  const segments = u.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s))
  if (segments.some((s) => s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0'))) {
    throw new RunnerError('INVALID_ARGUMENT', `${redactUrl(url)} cannot be stored in a mirror directory`, { where: redactUrl(url), hint: 'the URL has an odd path; report it to the plugin author' })
  }
  if (u.pathname.endsWith('/')) segments.push('index.html')
  return [u.host, ...segments].join('/')
}

/** What a feature's trimmed index came to: files to write, or why the mirror stays frozen-only for it. */
export type TrimmedIndex = { files: MirrorIndexFile[] } | { frozenOnly: string }

/**
 * The version index files of one locked feature, trimmed to its locked version, checked before
 * anything is written: the feature's own `listVersions`, reading only these files as a static
 * server would serve them (query dropped, one listing for every page), must list that version.
 * A feature without `mirrorIndex`, or whose trimmed index fails that check, is frozen-only.
 */
export async function trimmedIndex(feature: Feature, version: string, ctx: FeatureContext): Promise<TrimmedIndex> {
  // Distro packages: resolved by the package manager, no upstream index to serve.
  if (version === SYSTEM_VERSION) return { files: [] }
  if (!feature.mirrorIndex) return { frozenOnly: `the ${feature.id} plugin does not say how to trim its version index (no mirrorIndex)` }
  // The index is what resolution needs, not what a frozen install needs: when it cannot be read
  // (an offline build from the download cache, say) the mirror is still built, frozen-only, and says so.
  const files = await feature.mirrorIndex([version], ctx).catch((err: unknown) => err)
  if (!Array.isArray(files)) return { frozenOnly: `its version index could not be read: ${describe(files)}` }
  const listed = await feature.listVersions({ ...ctx, http: servedFrom(files) }).then((vs) => vs.map((v) => v.version), (err: unknown) => err)
  if (!Array.isArray(listed)) return { frozenOnly: `its trimmed index does not list versions: ${describe(listed)}` }
  if (!listed.includes(version)) return { frozenOnly: `the upstream index no longer lists ${version}` }
  return { files }
}

const describe = (err: unknown): string => (isRunnerError(err) ? `${err.code}: ${err.where ? `${err.where}: ` : ''}${err.message}` : err instanceof Error ? err.message : String(err))

/** An HttpClient that answers from trimmed files only, by the path a static server would map each URL to. */
function servedFrom(files: readonly MirrorIndexFile[]): HttpClient {
  const byPath = new Map(files.map((f) => [staticMirrorPath(f.url), f.body]))
  const text = async (url: string): Promise<string> => {
    const body = byPath.get(staticMirrorPath(url))
    if (body === undefined) throw new RunnerError('DOWNLOAD_FAILED', 'not among the trimmed index files', { where: redactUrl(url), hint: 'the plugin\'s mirrorIndex must return every file its listVersions reads', details: { status: 404 } })
    return body
  }
  return {
    text,
    async json<T>(url: string, schema?: Schema<T>): Promise<T> {
      const value: unknown = JSON.parse(await text(url))
      if (!schema) return value as T
      const parsed = schema.safeParse(value)
      if (!parsed.success) throw new RunnerError('UPSTREAM_FORMAT', `the trimmed index does not match the upstream's format: ${parsed.error.message}`, { where: redactUrl(url), hint: 'report it to the plugin author (mirrorIndex)' })
      return parsed.data
    },
  }
}

/**
 * A `VERSION_NOT_FOUND` for a feature whose versions came through a mirror says so, naming the
 * mirror: a mirror lists only what it holds (one made by `mirror build`, the locked versions), so
 * "no release matches" there is a different fix from the same words against the upstream.
 * `lookup` gives the feature's HTTP client (its rewrites) and canonical upstream.
 */
export function withMirrorSource(err: unknown, lookup: (id: string) => { http: { resolve(url: string): string }; upstream: string } | undefined): unknown {
  if (!isRunnerError(err) || err.code !== 'VERSION_NOT_FOUND') return err
  const id = /^([\w.-]+)@/.exec(err.where ?? '')?.[1]
  const feature = id ? lookup(id) : undefined
  if (!feature) return err
  const served = feature.http.resolve(feature.upstream)
  if (served === feature.upstream) return err
  return new RunnerError('VERSION_NOT_FOUND', `${err.message} among the versions the mirror ${redactUrl(served)} lists`, {
    where: err.where,
    hint: `${err.hint ? `${err.hint}; ` : ''}the mirror holds only some versions (one made by \`runner features mirror build\`: the locked ones): ask for one it has, or lock ${id}@<version> and rebuild the mirror`,
    details: err.details,
    cause: err,
  })
}
