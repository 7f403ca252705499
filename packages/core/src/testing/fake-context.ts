import type { FeatureContext } from '../context.js'
import type { Platform } from '../platform.js'

/** What a fake context's HTTP answers: a body per URL, or a function of the URL (`undefined`: not served). */
export type FakeRoutes = Readonly<Record<string, string>> | ((url: string) => string | undefined)

/**
 * A fake `FeatureContext` whose HTTP answers only `routes` (pnpm's pattern: a `switch` on the URL
 * that throws on anything unexpected), recording every request in `requests`. A JSON body that
 * does not match the caller's schema fails as the real client does, with code UPSTREAM_FORMAT
 * (also in the message, for tests that match the message only). Processes are refused:
 * listVersions/artifact/mirrorIndex must not run any.
 *
 * Test-only: core's own tests use it, and the kit re-exports it to plugin authors from
 * `@runner-features/kit/testing` (the kit depends on core, so core holds the one implementation).
 */
export function fakeContext(routes: FakeRoutes, platform: Partial<Platform> = {}): FeatureContext & { requests: string[] } {
  const requests: string[] = []
  const bodyOf = typeof routes === 'function' ? routes : (url: string) => routes[url]
  const text = async (url: string) => {
    requests.push(url)
    const body = bodyOf(url)
    if (body === undefined) throw new Error(`unexpected request: ${url}`)
    return body
  }
  return {
    requests,
    platform: { os: 'linux', arch: 'x64', libc: 'glibc', distro: { id: 'ubuntu', versionId: '24.04', idLike: ['debian'], family: 'debian' }, ...platform },
    http: {
      text,
      async json(url, schema) {
        const value: unknown = JSON.parse(await text(url))
        if (!schema) return value as never
        const parsed = schema.safeParse(value)
        if (!parsed.success) throw Object.assign(new Error(`UPSTREAM_FORMAT: ${parsed.error.message}`), { code: 'UPSTREAM_FORMAT' })
        return parsed.data
      },
    },
    exec: async () => {
      throw new Error('plugins must not run processes in listVersions/artifact')
    },
    logger: { info() {}, warn() {}, debug() {} },
    signal: new AbortController().signal,
  }
}
