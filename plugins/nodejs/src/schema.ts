import { z } from 'zod'

/** One entry of nodejs.org/dist/index.json (fields we use; the rest are allowed through). */
export const nodeIndexEntry = z.looseObject({
  version: z.string().regex(/^v\d+\.\d+\.\d+/),
  date: z.string().optional(),
  files: z.array(z.string()).optional(),
  /** `false`, or the LTS codename (`"Iron"`). */
  lts: z.union([z.literal(false), z.string()]),
})

export const nodeIndexSchema = z.array(nodeIndexEntry)
