import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { buildOnce, cacheKey, cacheRoot } from '../../../packages/fixture-mirror/src/cache.js'
import { sha256File } from '../../../packages/fixture-mirror/src/checksums.js'

const run = promisify(execFile)

/** Bump when the output of this builder changes, so cached mirrors are rebuilt. */
const BUILDER = 'go-mirror/2'
/** The Go Debian bookworm ships (`golang-1.19-go`); its binaries are what the mirror serves. */
const DEBIAN_PACKAGE = 'golang-1.19-go'
const REAL_LIST = new URL('../fixtures/go-dl.json', import.meta.url)

export interface GoMirror {
  /** Directory to serve: the go.dev host layout (`dl/go<V>.linux-amd64.tar.gz`, and the list as `dl/index.html` for static servers). */
  root: string
  /** The mirror base a feature's mirror setting takes: `<server>dl/`. */
  basePath: string
  /** `https://go.dev/dl/?mode=json&include=all` as served here (the server path is `/dl/`): the trimmed real list plus the built release, newest first. */
  listing: Buffer
  /** The Go version the archive holds (Debian's, e.g. `1.19.8`). */
  version: string
  /** `go1.19.8.linux-amd64.tar.gz` */
  asset: string
}

/**
 * Builds (or reuses from the cache) a go.dev/dl mirror holding a **real Go toolchain**: the `go`
 * and `gofmt` binaries of Debian bookworm's `golang-1.19-go` (fetched with `apt-get download`,
 * unpacked with `dpkg-deb -x`, never installed) repackaged as go.dev packs a release:
 * `go<V>.linux-amd64.tar.gz` with the single top directory `go/` holding `VERSION`, `bin/` and
 * `pkg/tool/linux_amd64/`. Trimmed to stay small (about 6 MB): the compiler tools, `pkg/include`
 * and `src/` are left out, so `go version` and `go env` (all that setup-go and the smoke test run)
 * work while `go build` would not. The go command finds its GOROOT from its own path once
 * `pkg/tool` exists, so the tree runs from wherever it is extracted. The listing is the trimmed
 * real go.dev response (fixtures/go-dl.json) with an entry for this release prepended,
 * carrying the archive's real sha256 and size. x86_64 only (the host's).
 */
export async function buildGoMirror(): Promise<GoMirror> {
  const debs = await downloadDebs()
  const debName = (await readdir(debs)).find((n) => n.startsWith(`${DEBIAN_PACKAGE}_`))
  const version = /^golang-1\.19-go_(\d+\.\d+\.\d+)/.exec(debName ?? '')?.[1]
  if (!version) throw new Error(`go-mirror: no ${DEBIAN_PACKAGE} package in ${debs}`)
  const asset = `go${version}.linux-amd64.tar.gz`
  const root = await buildOnce(join(cacheRoot(), 'go', `${version}_${cacheKey(BUILDER, version, readFileSync(REAL_LIST))}`), async (tmp) => {
    const dl = join(tmp, 'dl')
    await mkdir(dl, { recursive: true })
    const work = join(tmp, '.work')
    await buildTree(join(debs, debName!), work, version)
    await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2023-04-04 00:00Z', '-czf', join(dl, asset), '-C', work, 'go'])
    await rm(work, { recursive: true, force: true })
    const file = join(dl, asset)
    const entry = {
      version: `go${version}`,
      stable: true,
      files: [{ filename: asset, os: 'linux', arch: 'amd64', version: `go${version}`, sha256: await sha256File(file), size: (await stat(file)).size, kind: 'archive' }],
    }
    const real = JSON.parse(readFileSync(REAL_LIST, 'utf8')) as unknown[]
    const listing = `${JSON.stringify([entry, ...real], null, 1)}\n`
    await writeFile(join(tmp, 'listing.json'), listing)
    // What a static server (nginx, `python3 -m http.server`) answers `/dl/?mode=json&include=all` with.
    await writeFile(join(dl, 'index.html'), listing)
  })
  return { root, basePath: 'dl/', listing: await readFile(join(root, 'listing.json')), version, asset }
}

/** The Debian package, downloaded once into the fixture cache. */
async function downloadDebs(): Promise<string> {
  return buildOnce(join(cacheRoot(), 'go', 'debs-bookworm-1.19'), async (tmp) => {
    await mkdir(tmp, { recursive: true })
    try {
      await run('apt-get', ['download', DEBIAN_PACKAGE], { cwd: tmp })
    } catch (err) {
      throw new Error(`go-mirror: \`apt-get download ${DEBIAN_PACKAGE}\` failed (needs Debian's package mirror and apt lists; run apt-get update): ${(err as Error).message}`)
    }
  })
}

async function buildTree(deb: string, work: string, version: string): Promise<void> {
  const unpacked = join(work, 'deb')
  await mkdir(unpacked, { recursive: true })
  await run('dpkg-deb', ['-x', deb, unpacked])
  const from = join(unpacked, 'usr', 'lib', 'go-1.19')
  const go = join(work, 'go')
  await mkdir(join(go, 'bin'), { recursive: true })
  await mkdir(join(go, 'pkg', 'tool', 'linux_amd64'), { recursive: true })
  for (const bin of ['go', 'gofmt']) {
    await copyFile(join(from, 'bin', bin), join(go, 'bin', bin))
    await chmod(join(go, 'bin', bin), 0o755)
  }
  // go.dev's VERSION starts with the release name too (`go1.19.8`).
  const debVersion = (await readFile(join(from, 'VERSION'), 'utf8')).trim()
  if (debVersion !== `go${version}`) throw new Error(`go-mirror: ${deb} holds ${debVersion}, expected go${version}`)
  await writeFile(join(go, 'VERSION'), `${debVersion}\n`)
  await rm(unpacked, { recursive: true, force: true })
}
