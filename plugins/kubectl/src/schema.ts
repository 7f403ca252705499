import { z } from 'zod'

/**
 * The body of `release/stable.txt` and `release/stable-<major>.<minor>.txt`: one tag such as
 * `v1.33.9` (pre-releases never appear there). Trimmed before parsing; anything else is an error
 * page or a changed format, never "no versions".
 */
export const stableTagSchema = z.string().trim().regex(/^v(\d+)\.(\d+)\.(\d+)$/, 'a release tag such as v1.33.9')

/** `release/v<V>/bin/linux/<arch>/kubectl.sha256`: the bare lower-case hex digest, no file name. */
export const sha256FileSchema = z.string().trim().regex(/^[0-9a-f]{64}$/, 'a bare sha256 hex digest')
