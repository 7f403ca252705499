import { DISTRO_PACKAGE_PLATFORMS, defineFeature, parseChecksumFile, type FeatureContext, type InstallLink, type SystemPackages } from '@runner-features/kit'
import { z } from 'zod'
import pkg from '../package.json' with { type: 'json' }
import { parsePbsAssets, pickPbsAsset, type PbsAsset } from './pbs.js'

const manifest = pkg.runner.feature

/**
 * The distro's python3 with pip and venv. Debian and Ubuntu split venv (and ensurepip) into
 * `python3-venv`; RHEL, Fedora and Alpine ship venv inside python3.
 */
const PACKAGES: SystemPackages = {
  debian: ['python3', 'python3-pip', 'python3-venv'],
  rhel: ['python3', 'python3-pip'],
  alpine: ['python3', 'py3-pip'],
}

/**
 * The release's checksum listing. `releases/latest/download/<asset>` is GitHub's documented
 * redirect to the newest release, so no GitHub API (another host, rate-limited) is needed and one
 * mirror of this repository's release downloads serves everything. A team config can pin an older
 * release with the option `release: "20241016"`.
 */
function sumsUrl(ctx: FeatureContext): string {
  const release = typeof ctx.options?.release === 'string' && ctx.options.release !== 'latest' ? ctx.options.release : undefined
  return `${manifest.upstream}releases/${release ? `download/${release}` : 'latest/download'}/SHA256SUMS`
}

async function assets(ctx: FeatureContext): Promise<{ url: string; assets: PbsAsset[] }> {
  const url = sumsUrl(ctx)
  return { url, assets: parsePbsAssets(parseChecksumFile(await ctx.http.text(url), url)) }
}

/** Options (team config only): which python-build-standalone release to take builds from. */
const options = z.strictObject({
  release: z.string().regex(/^(latest|\d{8})$/, 'a release tag such as "20241016", or "latest"').default('latest'),
  /**
   * Requirement specifiers (`requests==2.32.3`, `ruff`, a wheel path) pip installs into the new
   * tool-cache Python. Never options: a leading `-` could point pip at another index.
   */
  'pip-packages': z.array(z.string().min(1).refine((p) => !p.startsWith('-'), 'a requirement, not a pip option (no leading "-")')).default([]),
})

const minor = (version: string) => version.split('.').slice(0, 2).join('.')

/**
 * Python from relocatable CPython builds (python-build-standalone, the builds uv and mise use),
 * installed into the tool cache as `Python/<ver>/<arch>/` — what actions/setup-python finds —
 * with the links its own builds have (`bin/python`, a top-level `python`). `python@system`
 * installs the distro's python3, pip and venv through the package manager instead.
 */
export default defineFeature(pkg, {
  bins: ['bin/python3', 'bin/pip3'],
  smokeTest: { command: ['bin/python3', '--version'], expect: 'Python {{version}}' },
  packages: () => PACKAGES,
  options,
  system: {
    platforms: DISTRO_PACKAGE_PLATFORMS,
    bins: ['python3', 'pip3'],
    smokeTest: { command: ['python3', '--version'], expect: 'Python 3.' },
    smokeTests: [
      { command: ['python3', '-m', 'pip', '--version'], expect: 'pip ' },
      { command: ['python3', '-c', 'import ensurepip, venv; print("venv ok")'], expect: 'venv ok' },
    ],
  },

  async listVersions(ctx) {
    const { assets: list } = await assets(ctx)
    return [...new Set(list.map((a) => a.version))].map((version) => ({ version }))
  },

  /**
   * For `mirror build`: the release's SHA256SUMS (what `listVersions` reads) with only the lines of
   * the mirrored versions' install_only builds, as upstream wrote them. It is not signed, so the
   * trimmed copy serves frozen installs as well as the full one.
   */
  async mirrorIndex(versions, ctx) {
    const url = sumsUrl(ctx)
    const text = await ctx.http.text(url)
    const kept = new Set(parsePbsAssets(parseChecksumFile(text, url)).filter((a) => versions.includes(a.version)).map((a) => a.file))
    const lines = text.split(/\r?\n/).filter((line) => kept.has(line.trim().split(/\s+/).pop()?.replace(/^\*/, '') ?? ''))
    return [{ url, body: lines.map((l) => `${l.trimEnd()}\n`).join('') }]
  },

  async artifact(version, platform, ctx) {
    const { url, assets: list } = await assets(ctx)
    const asset = pickPbsAsset(list, version.version, platform.arch, platform.libc, `python@${version.version} (${url})`)
    const file = `${manifest.upstream}releases/download/${asset.tag}/${encodeURIComponent(asset.file)}`
    return { url: file, sha256: asset.sha256, checksumSource: url, archive: 'tar.gz', strip: 1 }
  },

  /** setup-python's layout (actions/python-versions' setup.sh): `python` → `bin/python3.X`, `bin/python`, `bin/python3X`. */
  links(version): InstallLink[] {
    const exe = `python${minor(version)}`
    return [
      { path: 'python', target: `bin/${exe}` },
      { path: 'bin/python', target: exe },
      { path: `bin/python${minor(version).replace('.', '')}`, target: exe },
    ]
  },

  /** `pip-packages`, installed once the build is in place (console scripts get its final path in their shebangs). */
  postInstall(_installDir, version, opts) {
    const pkgs = (opts['pip-packages'] as string[] | undefined) ?? []
    if (!pkgs.length) return []
    return [{
      description: `pip install ${pkgs.join(' ')}`,
      command: [`bin/python${minor(version)}`, '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--', ...pkgs],
    }]
  },

  env: (installDir) => ({ pythonLocation: installDir, Python_ROOT_DIR: installDir, Python3_ROOT_DIR: installDir }),
})
