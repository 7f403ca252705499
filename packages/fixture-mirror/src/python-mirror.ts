import { execFile } from 'node:child_process'
import { chmod, cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { buildOnce, cacheKey, cacheRoot } from './cache.js'
import { writeShasums } from './checksums.js'

const run = promisify(execFile)

/** Bump when the output of this builder changes, so cached mirrors are rebuilt. */
const BUILDER = 'python-mirror/2'

/** A python-build-standalone release tag (they are dates); any 8 digits work for the layout. */
export const PBS_FIXTURE_TAG = '20241016'

/**
 * Debian bookworm's CPython 3.11 split over these packages: the interpreter, the stdlib, ensurepip
 * (Debian ships it in python3.11-venv) and the pip/setuptools wheels Debian keeps out of
 * ensurepip's `_bundled` directory.
 */
const DEBIAN_PACKAGES = ['python3.11-minimal', 'libpython3.11-minimal', 'libpython3.11-stdlib', 'python3.11-venv', 'python3-pip-whl', 'python3-setuptools-whl']

export interface PythonMirror {
  /** Mirror root in the layout of `https://github.com/astral-sh/python-build-standalone/`. */
  root: string
  tag: string
  /** The CPython version the build holds (Debian's, e.g. `3.11.2`). */
  version: string
  /** The asset's file name, e.g. `cpython-3.11.2+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz`. */
  asset: string
  /** Paths a server must redirect, as GitHub does for `releases/latest/download/<asset>`. */
  redirects: Record<string, string>
}

/**
 * Builds (or reuses from the cache) a python-build-standalone release in GitHub's download layout
 * — `releases/download/<tag>/cpython-<V>+<tag>-x86_64-unknown-linux-gnu-install_only.tar.gz` and
 * `releases/download/<tag>/SHA256SUMS` — holding a **real, relocatable CPython**: Debian's
 * python3.11 packages (fetched with `apt-get download` from Debian's mirror, which this machine
 * reaches) rearranged into PBS's `python/{bin,lib}` tree. CPython finds its prefix from the
 * executable's location, so the tree runs from wherever it is extracted. Two Debian patches are
 * undone so it behaves like an upstream build: the PEP 668 `EXTERNALLY-MANAGED` marker (and the
 * sitecustomize link into /etc) are dropped,
 * and ensurepip (disabled by Debian for the system python) is re-enabled with Debian's own wheels
 * in `ensurepip/_bundled`; pip is then installed into the tree, as PBS ships it, with `bin/pip3`
 * wrappers that find their interpreter relative to themselves. x86_64 glibc only (the host's).
 */
export async function buildPythonMirror(): Promise<PythonMirror> {
  const debs = await downloadDebs()
  const version = /^python3\.11-minimal_(\d+\.\d+\.\d+)/.exec((await readdir(debs)).find((n) => n.startsWith('python3.11-minimal_')) ?? '')?.[1]
  if (!version) throw new Error(`fixture-mirror: no python3.11-minimal package in ${debs}`)
  const tag = PBS_FIXTURE_TAG
  const asset = `cpython-${version}+${tag}-x86_64-unknown-linux-gnu-install_only.tar.gz`
  const root = await buildOnce(join(cacheRoot(), 'python', `${version}_${cacheKey(BUILDER, version, tag)}`), async (tmp) => {
    const dir = join(tmp, 'releases', 'download', tag)
    await mkdir(dir, { recursive: true })
    const work = join(tmp, '.work')
    await buildTree(debs, work, version)
    // A fixed mtime and owner, like a release tarball.
    await run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2024-10-16 00:00Z', '-czf', join(dir, asset), '-C', work, 'python'])
    await rm(work, { recursive: true, force: true })
    await writeShasums(dir, 'SHA256SUMS')
  })
  return { root, tag, version, asset, redirects: { '/releases/latest/download/SHA256SUMS': `/releases/download/${tag}/SHA256SUMS` } }
}

/** The Debian packages, downloaded once into the fixture cache. */
async function downloadDebs(): Promise<string> {
  return buildOnce(join(cacheRoot(), 'python', 'debs-bookworm-3.11-v2'), async (tmp) => {
    await mkdir(tmp, { recursive: true })
    try {
      await run('apt-get', ['download', ...DEBIAN_PACKAGES], { cwd: tmp })
    } catch (err) {
      throw new Error(`fixture-mirror: \`apt-get download ${DEBIAN_PACKAGES.join(' ')}\` failed (needs Debian's package mirror and apt lists; run apt-get update): ${(err as Error).message}`)
    }
  })
}

async function buildTree(debs: string, work: string, version: string): Promise<void> {
  const unpacked = join(work, 'deb')
  await mkdir(unpacked, { recursive: true })
  for (const deb of (await readdir(debs)).filter((n) => n.endsWith('.deb'))) await run('dpkg-deb', ['-x', join(debs, deb), unpacked])
  const minor = version.split('.').slice(0, 2).join('.')
  const py = join(work, 'python')
  const lib = join(py, 'lib', `python${minor}`)
  await mkdir(join(py, 'bin'), { recursive: true })
  await cp(join(unpacked, 'usr', 'bin', `python${minor}`), join(py, 'bin', `python${minor}`))
  await symlink(`python${minor}`, join(py, 'bin', 'python3'))
  await cp(join(unpacked, 'usr', 'lib', `python${minor}`), lib, { recursive: true, verbatimSymlinks: true })
  // Debian's PEP 668 marker and its sitecustomize (a link into /etc) are not part of a CPython build.
  await rm(join(lib, 'EXTERNALLY-MANAGED'), { force: true })
  await rm(join(lib, 'sitecustomize.py'), { force: true })
  // Re-enable ensurepip with Debian's wheels, pinned to the versions bundled.
  const bundled = join(lib, 'ensurepip', '_bundled')
  await mkdir(bundled, { recursive: true })
  const wheels = await readdir(join(unpacked, 'usr', 'share', 'python-wheels'))
  const wheelVersion = (name: string) => wheels.find((w) => w.startsWith(`${name}-`))?.split('-')[1]
  for (const w of wheels.filter((w) => /^(pip|setuptools)-/.test(w))) await cp(join(unpacked, 'usr', 'share', 'python-wheels', w), join(bundled, w))
  const init = join(lib, 'ensurepip', '__init__.py')
  const source = (await readFile(init, 'utf8'))
    .replace(/^def _ensurepip_is_disabled_in_debian_for_system\(\):$/m, '$&\n    return  # fixture-mirror: behave like an upstream build')
    .replace(/^_SETUPTOOLS_VERSION = .*$/m, `_SETUPTOOLS_VERSION = "${wheelVersion('setuptools')}"`)
    .replace(/^_PIP_VERSION = .*$/m, `_PIP_VERSION = "${wheelVersion('pip')}"`)
  await writeFile(init, source)
  await rm(unpacked, { recursive: true, force: true })
  await run(join(py, 'bin', `python${minor}`), ['-m', 'ensurepip', '--default-pip'], { env: { PATH: '/usr/bin:/bin', PIP_NO_WARN_SCRIPT_LOCATION: '1', PIP_ROOT_USER_ACTION: 'ignore' } })
  // Debian's scheme put pip's scripts under local/bin with an absolute shebang; PBS's find their
  // interpreter relative to themselves, so the tree stays relocatable.
  await rm(join(py, 'local', 'bin'), { recursive: true, force: true })
  for (const name of ['pip', 'pip3', `pip${minor}`]) {
    const file = join(py, 'bin', name)
    await writeFile(file, `#!/bin/sh\nexec "$(dirname -- "$(readlink -f -- "$0")")/python${minor}" -m pip "$@"\n`)
    await chmod(file, 0o755)
  }
}
