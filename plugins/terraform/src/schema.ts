import { z } from 'zod'

/** releases.hashicorp.com/<product>/index.json (fields we use). */
export const hashicorpBuild = z.looseObject({
  os: z.string(),
  arch: z.string(),
  filename: z.string(),
  url: z.string().url(),
})

export const hashicorpRelease = z.looseObject({
  version: z.string(),
  shasums: z.string(),
  builds: z.array(hashicorpBuild),
})

export const hashicorpIndexSchema = z.looseObject({
  name: z.string(),
  versions: z.record(z.string(), hashicorpRelease),
})
