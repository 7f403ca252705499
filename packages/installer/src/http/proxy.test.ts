import { expect, test } from 'vitest'
import { proxyFor } from './proxy.js'

const proxies = { HTTPS_PROXY: 'http://secure-proxy:3128', HTTP_PROXY: 'http://plain-proxy:3128' }

test.each([
  ['https goes to HTTPS_PROXY', 'https://mirror.example/x', {}, 'http://secure-proxy:3128'],
  ['http goes to HTTP_PROXY', 'http://mirror.example/x', {}, 'http://plain-proxy:3128'],
  ['lower case wins', 'https://mirror.example/x', { https_proxy: 'http://lower:1' }, 'http://lower:1'],
  ['no scheme means http://', 'https://mirror.example/x', { HTTPS_PROXY: 'proxy.corp:8080' }, 'http://proxy.corp:8080'],
  ['NO_PROXY *', 'https://mirror.example/x', { NO_PROXY: '*' }, undefined],
  ['NO_PROXY exact host', 'https://mirror.example/x', { NO_PROXY: 'other.example,mirror.example' }, undefined],
  ['NO_PROXY bare domain covers subdomains', 'https://a.b.mirror.example/x', { NO_PROXY: 'mirror.example' }, undefined],
  ['NO_PROXY .domain', 'https://a.mirror.example/x', { no_proxy: '.mirror.example' }, undefined],
  ['NO_PROXY *.domain', 'https://a.mirror.example/x', { NO_PROXY: '*.mirror.example' }, undefined],
  ['NO_PROXY is not a substring match', 'https://notmirror.example/x', { NO_PROXY: 'mirror.example' }, 'http://secure-proxy:3128'],
  ['NO_PROXY host:port, same port', 'http://mirror.example:8081/x', { NO_PROXY: 'mirror.example:8081' }, undefined],
  ['NO_PROXY host:port, other port', 'http://mirror.example:8082/x', { NO_PROXY: 'mirror.example:8081' }, 'http://plain-proxy:3128'],
  ['NO_PROXY default port', 'https://mirror.example/x', { NO_PROXY: 'mirror.example:443' }, undefined],
  ['NO_PROXY IP', 'http://127.0.0.1:9/x', { NO_PROXY: 'localhost, 127.0.0.1' }, undefined],
  ['NO_PROXY IPv6', 'http://[::1]:9/x', { NO_PROXY: '[::1]' }, undefined],
  ['NO_PROXY is case-insensitive', 'https://Mirror.Example/x', { NO_PROXY: 'MIRROR.example' }, undefined],
])('%s', (_name, url, env, expected) => {
  expect(proxyFor(new URL(url), { ...proxies, ...env })).toBe(expected)
})

test('without proxy variables nothing is proxied', () => {
  expect(proxyFor(new URL('https://mirror.example/'), {})).toBeUndefined()
})
