import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import semver from 'semver'
import { parse } from 'yaml'
import { z } from 'zod'
import { RunnerError } from './errors.js'
import type { Env } from './paths.js'

/**
 * Which third-party feature plugins may load on this runner. Plugins named `@runner-features/*`
 * always may; anything else must be allowed, with a semver range and optionally a pinned npm
 * `integrity`, by `runner-features.policy.yaml` (next to the team config, or `RUNNER_FEATURES_POLICY`).
 * A policy takes effect only once approved on the machine (`runner plugins allow` records its
 * sha256), so a pull request that widens it changes nothing until someone approves it there.
 */
export const POLICY_FILE_NAME = 'runner-features.policy.yaml'
export const FIRST_PARTY_SCOPE = '@runner-features/'

const policySchema = z.strictObject({
  plugins: z.array(z.strictObject({
    name: z.string().regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/, 'must be an npm package name'),
    version: z.string().refine((r) => semver.validRange(r) !== null, 'must be a semver range such as ^1.2.0'),
    integrity: z.string().regex(/^sha(256|384|512)-[A-Za-z0-9+/]+=*$/, 'must be an npm integrity such as sha512-…').optional(),
  })),
})

export type PluginPolicy = z.infer<typeof policySchema>

/** A policy file as found on disk: its rules, where it is, its digest, and whether this machine approved that digest. */
export interface LoadedPolicy {
  path: string
  digest: string
  approved: boolean
  policy: PluginPolicy
}

/** The plugin a check is about. `integrity` is the npm integrity it was installed with, when known. */
export interface PluginIdentity {
  name: string
  version: string
  integrity?: string
}

export function parsePluginPolicy(text: string, where: string): PluginPolicy {
  let value: unknown
  try {
    value = parse(text)
  } catch (err) {
    throw new RunnerError('CONFIG_INVALID', `not valid YAML: ${(err as Error).message.split('\n')[0]}`, { where, hint: `the policy lists allowed plugins: plugins: [{ name: "@acme/runner-feature-foo", version: "^1.0.0" }]`, cause: err })
  }
  const parsed = policySchema.safeParse(value ?? { plugins: [] })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new RunnerError('CONFIG_INVALID', `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`, { where, hint: 'each entry is { name, version (semver range), integrity? }; see docs/trust.md' })
  }
  return parsed.data
}

/** `RUNNER_FEATURES_POLICY`, else `runner-features.policy.yaml` next to the team config (if there is one). */
export function policyPathFor(env: Env, configFile?: string): string | undefined {
  if (env.RUNNER_FEATURES_POLICY) return resolve(env.RUNNER_FEATURES_POLICY)
  return configFile ? join(dirname(configFile), POLICY_FILE_NAME) : undefined
}

/** Where this machine records the policy digests it approved: next to the state file. */
export function approvalsFileFor(stateFile: string): string {
  return join(dirname(stateFile), 'approved-policies.json')
}

export function policyDigest(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('hex')}`
}

async function readApprovals(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '{}'
    throw err
  })
  try {
    return z.record(z.string(), z.string()).parse(JSON.parse(text))
  } catch (err) {
    throw new RunnerError('STATE_CORRUPT', 'the approved policies file is not a JSON object of path → digest', { where: file, hint: 'delete it and approve the policy again with `runner plugins allow`', cause: err })
  }
}

/** Reads the policy (undefined when there is no file) and whether this machine approved exactly these bytes. */
export async function loadPluginPolicy(path: string | undefined, approvalsFile: string): Promise<LoadedPolicy | undefined> {
  if (!path) return undefined
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (text === undefined) return undefined
  const digest = policyDigest(text)
  const approvals = await readApprovals(approvalsFile)
  return { path, digest, approved: approvals[path] === digest, policy: parsePluginPolicy(text, path) }
}

/** Records that this machine approves the policy file's current bytes (`runner plugins allow`). Atomic. */
export async function approvePluginPolicy(path: string, approvalsFile: string): Promise<LoadedPolicy> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new RunnerError('CONFIG_NOT_FOUND', `cannot read the plugin policy: ${err.code ?? err.message}`, { where: path, hint: `create ${POLICY_FILE_NAME} next to the team config, or set RUNNER_FEATURES_POLICY` })
  })
  const policy = parsePluginPolicy(text, path)
  const approvals = await readApprovals(approvalsFile)
  approvals[path] = policyDigest(text)
  await mkdir(dirname(approvalsFile), { recursive: true })
  const tmp = `${approvalsFile}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(approvals, null, 2)}\n`)
  await rename(tmp, approvalsFile)
  return { path, digest: approvals[path]!, approved: true, policy }
}

/** The exact line that would allow `plugin` (the hint of PLUGIN_NOT_ALLOWED). */
export function policyLineFor(plugin: PluginIdentity): string {
  const major = semver.valid(plugin.version) ? `^${plugin.version}` : plugin.version
  return `  - { name: "${plugin.name}", version: "${major}"${plugin.integrity ? `, integrity: "${plugin.integrity}"` : ''} }`
}

/**
 * Throws PLUGIN_NOT_ALLOWED unless `plugin` is first-party or allowed by an approved policy
 * (name, version in range, and the pinned integrity when the policy pins one).
 */
export function assertPluginAllowed(plugin: PluginIdentity, policy: LoadedPolicy | undefined, where = plugin.name): void {
  if (plugin.name.startsWith(FIRST_PARTY_SCOPE)) return
  const line = policyLineFor(plugin)
  const fail = (why: string, hint: string) => {
    throw new RunnerError('PLUGIN_NOT_ALLOWED', `${plugin.name}@${plugin.version} may not load: ${why}`, { where, hint, details: { policyLine: line.trim() } })
  }
  if (!policy) fail('only @runner-features/* plugins load without a plugin policy', `add to ${POLICY_FILE_NAME} (next to the team config, or RUNNER_FEATURES_POLICY) under plugins:\n${line}\nthen run \`runner plugins allow\``)
  if (!policy!.approved) fail(`${policy!.path} is not approved on this machine (new or changed since approval)`, 'review it, then run `runner plugins allow` on this machine')
  const rule = policy!.policy.plugins.find((p) => p.name === plugin.name)
  if (!rule) fail(`${policy!.path} does not list it`, `add under plugins:\n${line}\nthen run \`runner plugins allow\``)
  if (!semver.satisfies(plugin.version, rule!.version, { includePrerelease: true })) fail(`${policy!.path} allows ${rule!.version} only`, `widen the range or install an allowed version:\n${line}`)
  if (rule!.integrity && rule!.integrity !== plugin.integrity) fail(`${policy!.path} pins integrity ${rule!.integrity}, the installed package has ${plugin.integrity ?? 'none (not installed from a registry)'}`, 'reinstall the pinned package from the registry, or update the pin after review')
}
