import { z } from 'zod'

/** An asset's package (the `.tar.gz`): where it is and its sha256, the integrity Adoptium publishes. */
const packageSchema = z.looseObject({
  name: z.string().min(1),
  link: z.string().min(1),
  /** Lower-case hex sha256; mandatory here (an asset without one is refused, never installed unchecked). */
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
  checksum_link: z.string().optional(),
  signature_link: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
})

const binarySchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  image_type: z.string(),
  jvm_impl: z.string(),
  heap_size: z.string().optional(),
  /** Absent on binaries that ship only an installer. */
  package: packageSchema.optional(),
})

/**
 * One release of `GET /v3/assets/version/{range}` (what actions/setup-java's Temurin installer
 * lists): its name (`jdk-17.0.15+6`, `jdk8u302-b08`), semver and the binaries matching the query.
 */
export const temurinReleaseSchema = z.looseObject({
  release_name: z.string().min(1),
  release_type: z.string(),
  timestamp: z.string().optional(),
  vendor: z.string().optional(),
  binaries: z.array(binarySchema),
  version_data: z.looseObject({
    major: z.number().int().positive(),
    /** `17.0.15+6`, `21.0.5+11.0.LTS`, `8.0.302+8`: what setup-java's tool-cache directory is named from. */
    semver: z.string().min(1),
    openjdk_version: z.string().optional(),
  }),
})

export const assetsPageSchema = z.array(temurinReleaseSchema)

/** `GET /v3/info/available_releases`: which feature releases exist and which are LTS. */
export const availableReleasesSchema = z.looseObject({
  available_releases: z.array(z.number().int().positive()),
  available_lts_releases: z.array(z.number().int().positive()),
  most_recent_lts: z.number().int().positive().optional(),
  most_recent_feature_release: z.number().int().positive().optional(),
})

export type TemurinRelease = z.infer<typeof temurinReleaseSchema>
