import { z } from 'zod'

/**
 * One page of GitHub's list-repository-tags response for aws/aws-cli
 * (`GET /repos/aws/aws-cli/tags`): the repository tags every release, v1 (`1.40.x`) and v2
 * (`2.27.x`) alike, without a `v`. Only `name` is read; the page is an array or it is an error.
 */
export const tagsSchema = z.array(z.object({ name: z.string() }).loose())

/** An AWS CLI v2 release tag: `2.27.49`. */
export const V2_TAG = /^2\.\d+\.\d+$/
