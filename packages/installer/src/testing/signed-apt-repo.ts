// Shared by the `.root.` tests: real signing keys (gpg), real .deb packages (dpkg-deb), real apt
// repositories (apt-ftparchive, clearsigned InRelease) and a static HTTP server on 127.0.0.1, so
// keyring checks and apt's signature verification run for real.
import { execa } from 'execa'
import { createReadStream, existsSync } from 'node:fs'
import { chmod, copyFile, mkdir, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join, normalize } from 'node:path'

/** A throwaway gpg home that makes ed25519 signing keys. */
export async function testGpg(home: string) {
  await mkdir(home, { recursive: true, mode: 0o700 })
  const gpg = (...args: string[]) => execa('gpg', ['--batch', '--homedir', home, ...args])
  return {
    gpg,
    /** A new signing key for `email`: its armored public key and fingerprint. */
    async newKey(name: string, email: string): Promise<{ email: string; armored: string; fingerprint: string }> {
      await gpg('--passphrase', '', '--quick-gen-key', `${name} <${email}>`, 'ed25519', 'sign', 'never')
      const colons = (await gpg('--with-colons', '--list-keys', email)).stdout
      return { email, armored: `${(await gpg('--armor', '--export', email)).stdout}\n`, fingerprint: /^fpr:+([0-9A-F]{40}):/m.exec(colons)![1]! }
    },
  }
}

/** One file of a package: `path` inside the package, content or a host file to copy, mode. */
export interface DebFile {
  path: string
  content?: string
  copyFrom?: string
  mode?: number
}

/** Builds `<out>/<name>_<version>_<arch>.deb` with dpkg-deb from `files`; returns its path. */
export async function buildDeb(scratch: string, out: string, pkg: { name: string; version: string; arch: string; files: DebFile[]; description?: string }): Promise<string> {
  const dir = join(scratch, `${pkg.name}-${pkg.version}`)
  await mkdir(join(dir, 'DEBIAN'), { recursive: true })
  await writeFile(join(dir, 'DEBIAN/control'), `Package: ${pkg.name}\nVersion: ${pkg.version}\nArchitecture: ${pkg.arch}\nMaintainer: runner-features tests <tests@example.invalid>\nDescription: ${pkg.description ?? 'test package from a local signed repository'}\n`)
  for (const f of pkg.files) {
    const dest = join(dir, f.path)
    await mkdir(dirname(dest), { recursive: true })
    if (f.copyFrom) await copyFile(f.copyFrom, dest)
    else await writeFile(dest, f.content ?? '')
    await chmod(dest, f.mode ?? 0o644)
  }
  await mkdir(out, { recursive: true })
  // Pool file names drop the epoch (`5:`), as Debian's and Docker's do.
  const deb = join(out, `${pkg.name}_${pkg.version.replace(/^\d+:/, '')}_${pkg.arch}.deb`)
  await execa('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', dir, deb])
  return deb
}

/**
 * Publishes the .debs already in `<dir>/pool` as an apt repository at `dir`: `dists/<suite>/<component>/binary-<arch>/Packages`
 * and a `Release` clearsigned by `signer` as `InRelease` (what apt checks against `Signed-By`).
 */
export async function publishAptRepo(dir: string, o: { suite: string; component: string; arch: string; gpg: Awaited<ReturnType<typeof testGpg>>['gpg']; signer: string }): Promise<void> {
  const bin = join(dir, `dists/${o.suite}/${o.component}/binary-${o.arch}`)
  await mkdir(bin, { recursive: true })
  await writeFile(join(bin, 'Packages'), `${(await execa('apt-ftparchive', ['packages', 'pool'], { cwd: dir })).stdout}\n`)
  const release = await execa('apt-ftparchive', [
    '-o', `APT::FTPArchive::Release::Suite=${o.suite}`, '-o', `APT::FTPArchive::Release::Codename=${o.suite}`,
    '-o', `APT::FTPArchive::Release::Components=${o.component}`, '-o', `APT::FTPArchive::Release::Architectures=${o.arch}`,
    'release', `dists/${o.suite}`,
  ], { cwd: dir })
  await writeFile(join(dir, `dists/${o.suite}/Release`), `${release.stdout}\n`)
  await o.gpg('--yes', '--local-user', o.signer, '--clearsign', '--output', join(dir, `dists/${o.suite}/InRelease`), join(dir, `dists/${o.suite}/Release`))
}

/** Serves `site` read-only (GET/HEAD) on 127.0.0.1; `base` has no trailing slash. */
export async function serveStatic(site: string): Promise<{ base: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    const file = join(site, path)
    if (!file.startsWith(site) || !existsSync(file) || !(req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(404).end()
      return
    }
    stat(file).then((s) => {
      if (!s.isFile()) return res.writeHead(404).end()
      res.writeHead(200, { 'content-length': s.size })
      if (req.method === 'HEAD') return res.end()
      createReadStream(file).pipe(res)
    }, () => res.writeHead(404).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
