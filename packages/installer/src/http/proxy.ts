import type { Agent } from 'node:http'
import { createRequire } from 'node:module'
import { RunnerError, redactUrl } from '@runner-features/core'

/**
 * The proxy agents are loaded only when a proxy is in use: they import node:http as ES modules,
 * and Node 24's ESM facade of node:http compiles the whole bundled undici on first import
 * (≈ 70-250 ms of every run, seen in `--cpu-prof`). `require` of these ES modules is synchronous.
 */
const require = createRequire(import.meta.url)
const proxyAgents = (): { HttpProxyAgent: typeof import('http-proxy-agent').HttpProxyAgent; HttpsProxyAgent: typeof import('https-proxy-agent').HttpsProxyAgent } => ({
  HttpProxyAgent: (require('http-proxy-agent') as typeof import('http-proxy-agent')).HttpProxyAgent,
  HttpsProxyAgent: (require('https-proxy-agent') as typeof import('https-proxy-agent')).HttpsProxyAgent,
})

export type ProxyEnv = Readonly<Record<string, string | undefined>>

/**
 * The proxy for a URL from the usual variables, as curl, wget and Go read them:
 * `HTTPS_PROXY`/`https_proxy` for https URLs, `HTTP_PROXY`/`http_proxy` for http URLs (lower case
 * wins when both are set), and `NO_PROXY`/`no_proxy` to bypass: a comma- or space-separated list
 * of `*` (everything), host names that match themselves and their subdomains (`example.com`,
 * `.example.com`, `*.example.com`), IP addresses, each optionally with `:port`.
 * A proxy without a scheme (`proxy:3128`) means `http://proxy:3128`.
 *
 * Hand-written rather than `proxy-from-env`: that package reads only `process.env` (the runtime's
 * env is a parameter here) and does not let a bare `example.com` cover its subdomains as curl does.
 */
export function proxyFor(url: URL, env: ProxyEnv): string | undefined {
  const scheme = url.protocol === 'https:' ? 'https' : 'http'
  const proxy = env[`${scheme}_proxy`] || env[`${scheme.toUpperCase()}_PROXY`]
  if (!proxy) return undefined
  if (bypassed(url, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`
}

function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  return noProxy.split(/[\s,]+/).some((raw) => {
    const entry = raw.trim().toLowerCase()
    if (!entry) return false
    if (entry === '*') return true
    const { name, port: entryPort } = splitHostPort(entry)
    if (entryPort && entryPort !== port) return false
    const suffix = name.replace(/^\*?\.?/, '')
    return host === suffix || host.endsWith(`.${suffix}`)
  })
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (several colons, no port). */
function splitHostPort(entry: string): { name: string; port?: string } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry)
  if (bracketed) return { name: bracketed[1] ?? '', port: bracketed[2] }
  if (entry.indexOf(':') !== entry.lastIndexOf(':')) return { name: entry }
  const [name = '', port] = entry.split(':')
  return { name, port }
}

const agents = new Map<string, Agent>()

/**
 * The agent that sends a request through the proxy: CONNECT tunnelling for https (the TLS
 * session, and so certificate checks, stay end to end with the real host) and absolute-form
 * requests for http. Undefined: connect directly with Node's global agents.
 *
 * No `ca` option is ever set, here or on requests, so Node's default trust store applies, and with
 * it `NODE_EXTRA_CA_CERTS` (read by Node at start-up) for corporate mirrors and TLS-inspecting proxies.
 * Proxy credentials in the proxy URL become a `Proxy-Authorization` header and never appear in
 * messages (`redactUrl`).
 */
export function agentFor(url: URL, env: ProxyEnv): Agent | undefined {
  const proxy = proxyFor(url, env)
  if (!proxy) return undefined
  const key = `${url.protocol}${proxy}`
  let agent = agents.get(key)
  if (!agent) {
    let proxyUrl: URL
    try {
      proxyUrl = new URL(proxy)
    } catch {
      throw new RunnerError('DOWNLOAD_FAILED', `the proxy "${redactUrl(proxy)}" is not a URL`, {
        where: url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY',
        hint: 'set it to http://[user:password@]host:port, or add the host to NO_PROXY',
      })
    }
    const { HttpProxyAgent, HttpsProxyAgent } = proxyAgents()
    agent = url.protocol === 'https:' ? new HttpsProxyAgent(proxyUrl) : new HttpProxyAgent(proxyUrl)
    agents.set(key, agent)
  }
  return agent
}
