import { z } from 'zod'

/** One file of a Go release in go.dev/dl's JSON (fields we use; the rest pass through). */
export const goFileSchema = z.looseObject({
  filename: z.string().min(1),
  /** `linux`, `darwin`, …; empty for the source archive. */
  os: z.string(),
  /** GOARCH: `amd64`, `arm64`, …; empty for the source archive. */
  arch: z.string(),
  version: z.string(),
  /** Lower-case hex; the only integrity go.dev publishes, so it is mandatory here. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative().optional(),
  kind: z.string(),
})

/** `https://go.dev/dl/?mode=json&include=all`: every release, newest first, pre-releases included. */
export const goReleasesSchema = z.array(z.looseObject({
  /** `go1.22.1`, `go1.20` (x.y.0 before 1.21 had no `.0`), `go1.21rc2`, `go1.9beta1`. */
  version: z.string().regex(/^go\d/),
  stable: z.boolean(),
  files: z.array(goFileSchema),
}))

export type GoRelease = z.infer<typeof goReleasesSchema>[number]
export type GoFile = z.infer<typeof goFileSchema>
