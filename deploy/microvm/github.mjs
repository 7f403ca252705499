// GitHub side of the microVM orchestrator: the registration credential (a PAT, or a GitHub App's
// private key exchanged for installation tokens) stays in this process; each VM gets only a
// single-use JIT config from POST …/actions/runners/generate-jitconfig.
import { createSign } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** A fault with a stable code, what went wrong, and what to do (same shape as the CLI's RunnerError). */
export class OrchestratorError extends Error {
  /** @param {string} code @param {string} message @param {{hint?: string, cause?: unknown}} [opts] */
  constructor(code, message, opts = {}) {
    super(message, { cause: opts.cause })
    this.code = code
    this.hint = opts.hint
  }
}

/**
 * Where runners register: `https://github.com/<org>`, `https://github.com/<owner>/<repo>` or
 * `https://github.com/enterprises/<slug>` (GHES: the same on its host, API at /api/v3).
 * @param {string} url @param {string} [apiUrl]
 * @returns {{ api: string, scope: string }} API base and the runners path prefix
 */
export function parseTarget(url, apiUrl) {
  let u
  try {
    u = new URL(url)
  } catch {
    throw new OrchestratorError('INVALID_URL', `--url ${url} is not a URL`, { hint: 'e.g. --url https://github.com/acme or https://github.com/acme/app' })
  }
  const parts = u.pathname.split('/').filter(Boolean)
  const api = (apiUrl ?? (u.host === 'github.com' ? 'https://api.github.com' : `${u.protocol}//${u.host}/api/v3`)).replace(/\/$/, '')
  if (parts[0] === 'enterprises' && parts.length === 2) return { api, scope: `/enterprises/${parts[1]}` }
  if (parts.length === 1) return { api, scope: `/orgs/${parts[0]}` }
  if (parts.length === 2) return { api, scope: `/repos/${parts[0]}/${parts[1]}` }
  throw new OrchestratorError('INVALID_URL', `--url ${url}: expected an organization, a repository or an enterprise URL`, { hint: 'e.g. https://github.com/acme, https://github.com/acme/app, https://github.com/enterprises/acme' })
}

/**
 * The credential, from files named by the environment (never from argv):
 * GITHUB_TOKEN_FILE, or GITHUB_APP_ID + GITHUB_APP_INSTALLATION_ID + GITHUB_APP_PRIVATE_KEY_FILE.
 * @param {NodeJS.ProcessEnv} env
 */
export function credentialFromEnv(env) {
  const read = (name) => {
    try {
      return readFileSync(env[name], 'utf8').trim()
    } catch (cause) {
      throw new OrchestratorError('CREDENTIAL_UNREADABLE', `${name}=${env[name]} cannot be read`, { hint: 'point it at a file readable by this user only (mode 0600)', cause })
    }
  }
  if (env.GITHUB_TOKEN_FILE) return { kind: 'token', token: read('GITHUB_TOKEN_FILE') }
  if (env.GITHUB_APP_ID && env.GITHUB_APP_INSTALLATION_ID && env.GITHUB_APP_PRIVATE_KEY_FILE)
    return { kind: 'app', appId: env.GITHUB_APP_ID, installationId: env.GITHUB_APP_INSTALLATION_ID, privateKey: read('GITHUB_APP_PRIVATE_KEY_FILE') }
  throw new OrchestratorError('CREDENTIAL_MISSING', 'no GitHub credential', {
    hint: 'set GITHUB_TOKEN_FILE (a PAT with admin rights on the org/repo), or GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE',
  })
}

const b64url = (data) => Buffer.from(data).toString('base64url')

/** An RS256 JWT for a GitHub App (valid 9 minutes, issued 60 s in the past for clock skew). */
export function appJwt(appId, privateKey, now = Date.now()) {
  const iat = Math.floor(now / 1000) - 60
  const body = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ iat, exp: iat + 600, iss: String(appId) }))}`
  return `${body}.${createSign('RSA-SHA256').update(body).sign(privateKey, 'base64url')}`
}

/**
 * Talks to the GitHub REST API with the credential; only JIT configs leave it.
 * @param {{ api: string, scope: string, credential: ReturnType<typeof credentialFromEnv>, fetch?: typeof fetch }} opts
 */
export function githubClient({ api, scope, credential, fetch: doFetch = fetch }) {
  let cached // { token, expiresAt }

  async function request(method, path, auth, body) {
    let res
    try {
      res = await doFetch(`${api}${path}`, {
        method,
        headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
    } catch (cause) {
      throw new OrchestratorError('GITHUB_UNREACHABLE', `${method} ${api}${path}: ${cause.message}`, { hint: 'check the network and --api-url', cause })
    }
    const text = await res.text()
    if (!res.ok) {
      const code = res.status === 401 || res.status === 403 ? 'GITHUB_AUTH_FAILED' : 'GITHUB_API_ERROR'
      throw Object.assign(new OrchestratorError(code, `${method} ${api}${path}: HTTP ${res.status} ${text.slice(0, 200)}`, {
        hint: code === 'GITHUB_AUTH_FAILED' ? 'the PAT needs admin rights on the org/repo (or the App the "Self-hosted runners" permission) and must not be expired' : 'retried with backoff',
      }), { status: res.status })
    }
    return text ? JSON.parse(text) : undefined
  }

  async function authorization() {
    if (credential.kind === 'token') return `Bearer ${credential.token}`
    if (!cached || cached.expiresAt - Date.now() < 5 * 60_000) {
      const r = await request('POST', `/app/installations/${credential.installationId}/access_tokens`, `Bearer ${appJwt(credential.appId, credential.privateKey)}`)
      cached = { token: r.token, expiresAt: Date.parse(r.expires_at) }
    }
    return `Bearer ${cached.token}`
  }

  return {
    /** A single-use runner registration for one VM: `{ runnerId, jitConfig }`. */
    async generateJitConfig({ name, labels, runnerGroupId }) {
      const r = await request('POST', `${scope}/actions/runners/generate-jitconfig`, await authorization(),
        { name, runner_group_id: runnerGroupId, labels, work_folder: '_work' })
      return { runnerId: r.runner.id, jitConfig: r.encoded_jit_config }
    },
    /** Removes a runner whose VM ended without running a job (an ephemeral one removes itself). */
    async deleteRunner(runnerId) {
      try {
        await request('DELETE', `${scope}/actions/runners/${runnerId}`, await authorization())
      } catch (err) {
        if (err.status !== 404) throw err
      }
    },
  }
}
