// A real npm registry for end-to-end tests: verdaccio, pinned, on 127.0.0.1, no uplinks.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa, type ResultPromise } from 'execa'
import { freePort } from './helpers.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
/**
 * verdaccio's newest releases do not install from this machine's registry, and 6.0.x asks for
 * `node-fetch@cjs`, a dist-tag the registry lacks; 6.0.5 with node-fetch overridden to 2.7.0 (the
 * release that tag pointed at) installs and runs. It lives in .cache/, outside the workspace, so the
 * monorepo's lockfile does not carry a registry server.
 */
const VERDACCIO_VERSION = '6.0.5'
const VERDACCIO_DIR = join(REPO, '.cache', `verdaccio-${VERDACCIO_VERSION}`)

/** A running registry: its URL, `npm publish` into it, and `stop` (the port then refuses connections). */
export interface Registry {
  url: string
  /** `npm publish` of `packageDir` as a team member runs it; resolves to npm's output, throws with it on failure. */
  publish(packageDir: string): Promise<string>
  stop(): Promise<void>
}

async function verdaccioBin(): Promise<string> {
  const bin = join(VERDACCIO_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio')
  if (existsSync(bin)) return bin
  await mkdir(VERDACCIO_DIR, { recursive: true })
  await writeFile(join(VERDACCIO_DIR, 'package.json'), JSON.stringify({ name: 'verdaccio-pinned', private: true, dependencies: { verdaccio: VERDACCIO_VERSION }, overrides: { 'node-fetch': '2.7.0' } }, null, 2))
  await execa('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: VERDACCIO_DIR, timeout: 300_000 })
  return bin
}

/** A verdaccio with its own storage under `dir`: anonymous publish to @acme/*, no uplinks (nothing leaves 127.0.0.1). */
export async function startRegistry(dir: string): Promise<Registry> {
  const bin = await verdaccioBin()
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'config.yaml'), [
    'storage: ./storage',
    'auth: { htpasswd: { file: ./htpasswd } }',
    'uplinks: {}',
    'packages:',
    "  '@acme/*': { access: $all, publish: $anonymous $authenticated }",
    "  '**': { access: $all }",
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const child: ResultPromise = execa(process.execPath, [bin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], { cwd: dir, reject: false, stdin: 'ignore', stdout: { file: join(dir, 'verdaccio.log') }, stderr: { file: join(dir, 'verdaccio.err') } })
  const stop = async () => {
    child.kill()
    await child.catch(() => undefined)
  }
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) {
      return {
        url,
        stop,
        async publish(packageDir) {
          // npm wants some token; verdaccio lets anonymous publish.
          const npmrc = join(dir, 'npmrc')
          await writeFile(npmrc, `${url.replace(/^http:/, '')}:_authToken=anonymous-publish\n`)
          const res = await execa('npm', ['publish', '--registry', url], { cwd: packageDir, env: { npm_config_userconfig: npmrc, npm_config_registry: url }, reject: false, all: true })
          if (res.exitCode !== 0) throw new Error(`npm publish failed: ${res.all}`)
          return res.all
        },
      }
    }
    await new Promise((ok) => setTimeout(ok, 200))
  }
  await stop()
  throw new Error(`verdaccio did not start on ${url} (see ${dir}/verdaccio.err)`)
}
