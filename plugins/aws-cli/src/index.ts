import { readFileSync } from 'node:fs'
import { defineFeature, type Artifact, type RemoteVersion } from '@runner-features/kit'
import pkg from '../package.json' with { type: 'json' }
import { V2_TAG, tagsSchema } from './schema.js'

const manifest = pkg.runner.feature
/**
 * Where versions are listed: aws/aws-cli's tags (awscli.amazonaws.com has no index). The newest
 * 100 tags hold v1 and v2 interleaved, several months of v2 releases; older v2 versions are not
 * offered. A mirror serves this listing at `<mirror>api/repos/aws/aws-cli/tags`.
 */
const TAGS = 'https://api.github.com/repos/aws/aws-cli/tags?per_page=100'
const AWS_ARCH = { x64: 'x86_64', arm64: 'aarch64' } as const
const KEY_FILE = new URL('../keys/aws-cli-team.asc', import.meta.url)
/**
 * The AWS CLI Team key (FB5D B77F D5C1 18B8 0511 ADA8 A631 0ACC 4672 475C), as printed in the AWS
 * CLI install guide; read from the plugin folder (it ships in the package) when an artifact is asked for.
 */
const awsKey = () => readFileSync(KEY_FILE, 'utf8')

/**
 * AWS CLI v2: `awscli-exe-linux-<x86_64|aarch64>-<V>.zip` (top directory `aws/`: the `install`
 * script and the frozen Python distribution in `aws/dist/`). AWS publishes no digest, but a
 * detached PGP signature over the zip (`<zip>.sig`): `runner features lock` downloads the zip,
 * checks that signature against the AWS CLI Team key shipped in this plugin and pins the zip's
 * sha256; every locked install then verifies that sha256 (an install without a lock checks the
 * signature the same way first). After the atomic rename the bundled installer
 * runs (`aws/install -i <dir>/aws-cli -b <dir>/bin`), as AWS documents; glibc only (the frozen
 * Python links against glibc).
 */
export default defineFeature(pkg, {
  async listVersions(ctx): Promise<RemoteVersion[]> {
    const tags = await ctx.http.json(TAGS, tagsSchema)
    return tags.filter((t) => V2_TAG.test(t.name)).map((t) => ({ version: t.name }))
  },

  async artifacts(version, platform): Promise<Artifact[]> {
    const url = `${manifest.upstream}awscli-exe-linux-${AWS_ARCH[platform.arch]}-${version.version}.zip`
    return [{
      url, sha256: '', trustOnFirstUse: true, checksumSource: `${url}.sig`, archive: 'zip', strip: 0,
      detachedSignature: { url: `${url}.sig`, keys: awsKey(), keysSource: `${pkg.name}/keys/aws-cli-team.asc` },
    }]
  },

  postInstall(installDir) {
    return [{ description: 'aws/install (the AWS CLI installer in the zip)', command: ['aws/install', '-i', `${installDir}/aws-cli`, '-b', `${installDir}/bin`] }]
  },
})
