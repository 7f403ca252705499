import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createGzip } from 'node:zlib'
import { buffer } from 'node:stream/consumers'
import tar from 'tar-stream'
import { buildOnce, cacheKey, cacheRoot, fixtureContents, fixturePath } from './cache.js'
import { sha256File } from './checksums.js'
import type { BuiltMirror } from './node-mirror.js'

/** 7.4.6 is an LTS-line release with a UTF-8 hashes.sha256; 7.5.2 is where UTF-16LE+BOM started. */
export const DEFAULT_POWERSHELL_VERSIONS = ['7.4.6', '7.5.2']

/** The three linux tarballs upstream publishes that the feature installs. */
export const POWERSHELL_PLATFORMS = ['linux-x64', 'linux-arm64', 'linux-musl-x64'] as const

/** How a release's `hashes.sha256` is encoded; upstream switched to UTF-16LE with a BOM at 7.5.2 (PowerShell#26139). */
export type HashesEncoding = 'utf8' | 'utf8-bom' | 'utf16le-bom'

export interface PowershellMirrorOptions {
  /** Exact versions to build (default {@link DEFAULT_POWERSHELL_VERSIONS}). */
  versions?: string[]
}

const BUILDER = 'powershell-mirror/1'
const MTIME = new Date('2024-11-05T00:00:00Z')

/** Upstream's encoding for a version's `hashes.sha256`: UTF-16LE with BOM from 7.5.2 on, UTF-8 before. */
export function upstreamHashesEncoding(version: string): HashesEncoding {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map(Number)
  return major * 1e6 + minor * 1e3 + patch >= 7_005_002 ? 'utf16le-bom' : 'utf8'
}

/** `hashes.sha256` bytes as upstream writes them: `<hex> *<file>` lines, CRLF, in `encoding`. */
export function encodeHashes(sums: ReadonlyArray<readonly [string, string]>, encoding: HashesEncoding): Buffer {
  const text = sums.map(([name, hash]) => `${hash} *${name}\r\n`).join('')
  if (encoding === 'utf16le-bom') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
  if (encoding === 'utf8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
  return Buffer.from(text, 'utf8')
}

/**
 * Builds (or reuses from the cache) a directory in the GitHub layout of
 * `https://github.com/PowerShell/PowerShell/`: `api/releases` (the REST API's list of releases, what
 * the github-release source reads) and `releases.atom` (the trimmed real feed; each plus an entry
 * per built version, newest first) and per version `releases/download/v<V>/` with
 * `powershell-<V>-linux-{x64,arm64,musl-x64}.tar.gz` and `hashes.sha256` (upstream's format and
 * encoding for that version). Each tarball is flat like upstream's, with `pwsh` at the top
 * **without** its execute bit (as upstream ships it): a POSIX sh stand-in, see {@link pwshScript}.
 */
export async function buildPowershellMirror(opts: PowershellMirrorOptions = {}): Promise<BuiltMirror> {
  const versions = [...new Set(opts.versions ?? DEFAULT_POWERSHELL_VERSIONS)]
  if (!versions.length) throw new Error('fixture-mirror: buildPowershellMirror needs at least one version')
  for (const v of versions) {
    if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(v)) throw new Error(`fixture-mirror: "${v}" is not an exact PowerShell version like 7.4.6`)
  }
  const hash = cacheKey(BUILDER, JSON.stringify(versions), fixtureContents(['github', 'powershell-releases.atom'], ['github', 'powershell-releases.json']))
  const root = await buildOnce(join(cacheRoot(), 'powershell', `${versions.join('+')}_${hash}`), async (tmp) => {
    for (const version of versions) {
      const dir = join(tmp, 'releases', 'download', `v${version}`)
      await mkdir(dir, { recursive: true })
      const sums: Array<[string, string]> = []
      for (const platform of POWERSHELL_PLATFORMS) {
        const name = `powershell-${version}-${platform}.tar.gz`
        await writeFile(join(dir, name), await pwshTarball(version, platform))
        sums.push([name, await sha256File(join(dir, name))])
      }
      await writeFile(join(dir, 'hashes.sha256'), encodeHashes(sums, upstreamHashesEncoding(version)))
    }
    await writeFile(join(tmp, 'releases.atom'), releasesAtom(versions))
    // What the github-release source lists versions from: the API's list of releases, served as a
    // static file (`<mirror>api/releases`; the query string is ignored, paging stops on no new tag).
    await mkdir(join(tmp, 'api'), { recursive: true })
    await writeFile(join(tmp, 'api', 'releases'), releasesJson(versions))
  })
  return { root, versions }
}

/** The real feed fixture with an entry per built version inserted before the real entries (newest first). */
function releasesAtom(versions: string[]): string {
  const real = readFileSync(fixturePath('github', 'powershell-releases.atom'), 'utf8')
  const newestFirst = [...versions].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
  const entries = newestFirst.map((v) => `  <entry>
    <id>tag:github.com,2008:Repository/49609581/v${v}</id>
    <updated>${MTIME.toISOString().replace('.000', '')}</updated>
    <link rel="alternate" type="text/html" href="https://github.com/PowerShell/PowerShell/releases/tag/v${v}"/>
    <title>v${v} Release of PowerShell</title>
    <content type="html">&lt;h2&gt;[${v}]&lt;/h2&gt;</content>
    <author>
      <name>fixture-mirror</name>
    </author>
  </entry>
`).join('')
  const at = real.indexOf('  <entry>')
  return real.slice(0, at) + entries + real.slice(at)
}

/** The real trimmed API listing with a release per built version first (newest first), as GitHub orders it. */
function releasesJson(versions: string[]): string {
  const real = JSON.parse(readFileSync(fixturePath('github', 'powershell-releases.json'), 'utf8')) as unknown[]
  const newestFirst = [...versions].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
  const built = newestFirst.map((v) => ({
    html_url: `https://github.com/PowerShell/PowerShell/releases/tag/v${v}`,
    tag_name: `v${v}`,
    name: `v${v} Release of PowerShell`,
    draft: false,
    prerelease: v.includes('-'),
    published_at: MTIME.toISOString().replace('.000', ''),
    assets: ['hashes.sha256', ...POWERSHELL_PLATFORMS.map((p) => `powershell-${v}-${p}.tar.gz`)].map((name) => ({ name, browser_download_url: `https://github.com/PowerShell/PowerShell/releases/download/v${v}/${name}` })),
  }))
  return `${JSON.stringify([...built, ...real], null, 2)}\n`
}

/** A flat gzipped tar like upstream's: `pwsh` (mode 0644), plus two of the real top-level files. */
async function pwshTarball(version: string, platform: string): Promise<Buffer> {
  const pack = tar.pack()
  const gz = buffer(pack.pipe(createGzip({ level: 9 })))
  const owner = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: MTIME }
  pack.entry({ ...owner, name: 'pwsh', mode: 0o644 }, pwshScript(version, platform))
  pack.entry({ ...owner, name: 'LICENSE.txt', mode: 0o644 }, 'MIT License (fixture-mirror stand-in for PowerShell)\n')
  pack.entry({ ...owner, name: 'pwsh.dll', mode: 0o644 }, `stand-in for pwsh.dll ${version} ${platform}\n`)
  pack.finalize()
  return gz
}

/**
 * The stand-in `pwsh`. `pwsh --version` prints what the real one prints (`PowerShell 7.4.6`).
 * `pwsh [-NoLogo] [-NoProfile] [-NonInteractive] -File <script> [args…]` does not run the script
 * (it is PowerShell, not sh): it checks the script exists (exit 64 like pwsh when it does not),
 * records argv — script then each argument, NUL-terminated, byte for byte — into
 * `$PWSH_STANDIN_ARGV_FILE` when that is set, prints one line and exits 0. Anything else fails
 * loudly, so a test cannot mistake it for a working PowerShell.
 */
export function pwshScript(version: string, platform: string): string {
  return `#!/bin/sh
# Stand-in for PowerShell ${version} (${platform}) built by @runner-features/fixture-mirror.
case "\${1:-}" in
  --version|-version|-Version|-v)
    printf 'PowerShell %s\\n' '${version}'
    exit 0
    ;;
esac
while [ $# -gt 0 ]; do
  case "$1" in
    -NoLogo|-nologo|-NoProfile|-noprofile|-NonInteractive|-noninteractive) shift ;;
    -File|-file|-f) shift; break ;;
    *)
      echo "pwsh (fixture-mirror stand-in): only --version and -File <script> [args] are implemented" >&2
      exit 64
      ;;
  esac
done
if [ $# -lt 1 ]; then
  echo "pwsh (fixture-mirror stand-in): -File needs a script" >&2
  exit 64
fi
script=$1
shift
if [ ! -f "$script" ]; then
  printf "The argument '%s' is not recognized as the name of a script file.\\n" "$script" >&2
  exit 64
fi
if [ -n "\${PWSH_STANDIN_ARGV_FILE:-}" ]; then
  printf '%s\\0' "$script" "$@" > "$PWSH_STANDIN_ARGV_FILE"
fi
printf 'pwsh stand-in %s: ran %s with %d argument(s)\\n' '${version}' "$script" "$#"
`
}
