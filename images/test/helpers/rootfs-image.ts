// A root filesystem tarball as a one-layer image of a given architecture, via `docker load`.
// `docker import --platform linux/arm64` is not enough on docker.io 20.10: that daemon records its
// own architecture (amd64) for imported images, and BuildKit then looks for the arm64 base in a
// registry. A docker-archive with our own image config carries the architecture through.
import { createHash } from 'node:crypto'
import { createReadStream, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dockerCli, runAsync, type Daemon } from './env.js'

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Loads `tarball` (an uncompressed tar of a root filesystem) as `tag` for linux/`arch`. */
export async function loadRootfsImage(daemon: Daemon, tarball: string, tag: string, arch: 'amd64' | 'arm64', workDir: string): Promise<void> {
  const dir = mkdtempSync(join(workDir, 'archive-'))
  try {
    // The layer's diff_id is the digest of the uncompressed layer tar, which the rootfs tarball is.
    const config = {
      architecture: arch, os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['bash'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${await sha256(tarball)}`] },
    }
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: ['layer.tar'] }]))
    symlinkSync(tarball, join(dir, 'layer.tar')) // tar -h follows it: the cached tarball is never copied
    const res = await runAsync('bash', ['-c', 'set -o pipefail; tar -C "$1" -ch . | "$2" load', 'bash', dir, dockerCli()],
      { env: { ...process.env, DOCKER_HOST: daemon.host } })
    if (res.status !== 0 || !res.stdout.includes(`Loaded image: ${tag}`)) throw new Error(`docker load of ${tarball} failed:\n${res.stdout}${res.stderr}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

