// A fake GitHub REST API on 127.0.0.1 for the microVM orchestrator: a GitHub App installation token
// (the JWT is checked against the App's public key) and JIT runner registrations, each a unique
// secret-looking string the test can then look for. Every request is recorded.
import { createVerify, generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'

export interface FakeGithub {
  url: string
  appId: string
  installationId: string
  privateKey: string
  /** Installation tokens issued so far. */
  tokens: string[]
  /** JIT configs issued, by runner name. */
  jit: Map<string, string>
  calls: { method: string; path: string }[]
  close(): Promise<void>
}

export async function startFakeGithub(org: string): Promise<FakeGithub> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
  const state = { appId: '31337', installationId: '4242', privateKey, tokens: [] as string[], jit: new Map<string, string>(), calls: [] as { method: string; path: string }[] }
  let nextRunner = 100
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      const path = req.url ?? ''
      state.calls.push({ method: req.method ?? '', path })
      const auth = req.headers.authorization ?? ''
      const send = (status: number, value?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(value === undefined ? '' : JSON.stringify(value))
      }
      if (req.method === 'POST' && path === `/app/installations/${state.installationId}/access_tokens`) {
        const [h, p, sig] = auth.replace(/^Bearer /, '').split('.')
        if (!sig || !createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, sig, 'base64url')) return send(401, { message: 'A JSON web token could not be decoded' })
        const token = `ghs_FAKEinstallation${randomBytes(8).toString('hex')}`
        state.tokens.push(token)
        return send(201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString() })
      }
      if (!state.tokens.includes(auth.replace(/^Bearer /, ''))) return send(401, { message: 'Bad credentials' })
      if (req.method === 'POST' && path === `/orgs/${org}/actions/runners/generate-jitconfig`) {
        const { name } = JSON.parse(body)
        const jit = `JITCONFIG${randomBytes(12).toString('hex')}`
        state.jit.set(name, jit)
        return send(201, { runner: { id: nextRunner++, name }, encoded_jit_config: jit })
      }
      if (req.method === 'DELETE' && path.startsWith(`/orgs/${org}/actions/runners/`)) return send(204)
      return send(404, { message: 'Not Found' })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, ...state, close: () => new Promise((r) => server.close(() => r())) }
}
