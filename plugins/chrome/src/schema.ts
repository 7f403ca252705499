import { z } from 'zod'

/** Chrome's four-part version `MAJOR.MINOR.BUILD.PATCH`; MINOR has always been 0. */
const chromeVersion = z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, 'a Chrome version such as 138.0.7204.92')

/** One download of one binary: `{platform: 'linux64', url: 'https://storage.googleapis.com/…/chrome-linux64.zip'}`. */
const download = z.object({ platform: z.string(), url: z.url() })

/**
 * Per binary (`chrome`, `chromedriver`, `chrome-headless-shell`) its downloads. chromedriver is
 * absent before 115 and chrome-headless-shell before 120, so every key is optional.
 */
const downloads = z.record(z.string(), z.array(download))

/** `known-good-versions-with-downloads.json`: every version CfT ever published (oldest first). */
export const knownGoodSchema = z.object({
  timestamp: z.string(),
  versions: z.array(z.object({ version: chromeVersion, revision: z.string(), downloads })),
})

/** `last-known-good-versions-with-downloads.json`: the current version of each release channel. */
export const lastKnownGoodSchema = z.object({
  timestamp: z.string(),
  channels: z.object({ Stable: z.object({ channel: z.literal('Stable'), version: chromeVersion, revision: z.string(), downloads }) }).loose(),
})

export type KnownGood = z.infer<typeof knownGoodSchema>
export type Downloads = z.infer<typeof downloads>
