import type { FaultServer } from '../fault-server.js'
import type { Ctx, Scenario, World } from '../scenario.js'
import { TF, TF_ZIP } from './common.js'

const tf = `terraform@${TF}`

/** `http://<user>:<password>@127.0.0.1:<port>` for the proxy credentials (percent-encoded). */
function proxyUrl(world: World, port: number | string): string {
  const { user, password } = world.proxyCredentials
  return `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`
}

const portOf = (server: FaultServer) => new URL(server.url).port

/**
 * Corporate mirrors sit behind proxies: HTTP_PROXY with credentials is honoured (and its password
 * never printed or stored), NO_PROXY bypasses it, and a dead proxy is a coded error, not a crash.
 * The fault server doubles as the proxy (absolute-form requests); the mirror host name in the
 * first scenario does not resolve, so only the proxy can reach it.
 */
export const proxyScenarios: Scenario[] = [
  {
    name: 'proxy: mirror reachable only through HTTP_PROXY with credentials → success, proxy password nowhere',
    run: async (t: Ctx) => {
      t.server.requireProxyAuth(t.world.proxyCredentials.user, t.world.proxyCredentials.password)
      const { user, password } = t.world.credentials
      const env = {
        RUNNER_FEATURES_MIRROR_TERRAFORM: `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@mirror.invalid:${portOf(t.server)}/hashicorp/`,
        HTTP_PROXY: proxyUrl(t.world, portOf(t.server)),
      }
      await t.expectSuccess('install through the proxy', await t.install([tf], { env }))
      if (!t.server.requests.some((r) => r.path.endsWith(TF_ZIP) && r.proxied)) t.problem('the archive did not come through the proxy')
    },
  },
  {
    name: 'proxy: HTTP_PROXY points at a dead port → DOWNLOAD_FAILED; with the proxy fixed the install succeeds',
    run: async (t: Ctx) => {
      t.server.requireProxyAuth(t.world.proxyCredentials.user, t.world.proxyCredentials.password)
      await t.expectError('install through a dead proxy', await t.install([tf], { env: { HTTP_PROXY: proxyUrl(t.world, 1) } }), ['DOWNLOAD_FAILED'])
      if (t.server.requests.length) t.problem(`${t.server.requests.length} requests reached the mirror directly although HTTP_PROXY was set`)
      await t.expectSuccess('install through the fixed proxy', await t.install([tf], { env: { HTTP_PROXY: proxyUrl(t.world, portOf(t.server)) } }))
    },
  },
  {
    name: 'proxy: dead HTTP_PROXY but the mirror host in NO_PROXY → bypassed, success',
    run: async (t: Ctx) => {
      await t.expectSuccess('install with NO_PROXY', await t.install([tf], { env: { HTTP_PROXY: proxyUrl(t.world, 1), NO_PROXY: 'localhost,127.0.0.1' } }))
      if (t.server.requests.some((r) => r.proxied)) t.problem('a request went through the proxy although NO_PROXY names the mirror')
    },
  },
]
