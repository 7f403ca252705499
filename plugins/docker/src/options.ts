import type { Schema } from '@runner-features/core'

/** The options `docker` takes (team config: `- { id: docker, options: { engine: true } }`). */
export interface DockerOptions {
  /** Also install the engine (`docker-ce` + `containerd.io`; Alpine: `docker`). Default false: the CLI talks to a daemon elsewhere (a dind sidecar, the host's socket, DOCKER_HOST). */
  engine: boolean
}

/**
 * A hand-written schema (the `safeParse` shape core accepts) rather than zod: one boolean does not
 * justify bundling zod into the plugin. Unknown keys are refused, like `z.strictObject`.
 */
export const dockerOptions: Schema<Record<string, unknown>> = {
  safeParse(value) {
    if (value === undefined || value === null) return { success: true, data: { engine: false } }
    if (typeof value !== 'object' || Array.isArray(value)) return { success: false, error: { message: 'options must be an object such as { engine: true }' } }
    const { engine = false, ...rest } = value as Record<string, unknown>
    const unknown = Object.keys(rest)
    if (unknown.length) return { success: false, error: { message: `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (docker takes only engine)` } }
    if (typeof engine !== 'boolean') return { success: false, error: { message: `engine must be true or false, not ${JSON.stringify(engine)}` } }
    return { success: true, data: { engine } satisfies DockerOptions }
  },
}
