import { createReadStream } from 'node:fs'
import { lstat, readdir, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join, normalize } from 'node:path'
import { execa } from 'execa'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { buildDemoMirror, startMirrorServer, type MirrorServer } from '@runner-features/fixture-mirror'
import { RUNNER_BIN, sandbox, type Sandbox } from './helpers.js'

let mirrorRoot: string
let server: MirrorServer
let nodeVersion: string
const boxes: Sandbox[] = []

beforeAll(async () => {
  const mirror = await buildDemoMirror()
  mirrorRoot = mirror.root
  nodeVersion = mirror.nodejs.versions[0]!
  server = await startMirrorServer(mirror.root)
})
afterAll(async () => server?.close())
afterEach(async () => {
  server.resetRequests()
  await Promise.all(boxes.splice(0).map((b) => b.cleanup()))
})

async function box(nodeMirror = `${server.url}nodejs/`): Promise<Sandbox> {
  const b = await sandbox({ RUNNER_FEATURES_MIRROR_NODEJS: nodeMirror, RUNNER_FEATURES_MIRROR_TERRAFORM: `${server.url}hashicorp/` })
  boxes.push(b)
  return b
}

/** Serves the mirror dir but sends only the first 8 MB of any .tar.gz, then stalls forever. */
function stallingServer(): Promise<{ server: Server; url: string }> {
  const s = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname))
    const file = join(mirrorRoot, path)
    stat(file).then((st) => {
      res.writeHead(200, { 'content-length': st.size })
      createReadStream(file, path.endsWith('.tar.gz') ? { end: 8 * 1024 * 1024 } : {}).on('data', (c) => res.write(c)).on('end', () => {
        if (!path.endsWith('.tar.gz')) res.end()
      })
    }, () => {
      res.writeHead(404).end()
    })
  })
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve({ server: s, url: `http://127.0.0.1:${(s.address() as { port: number }).port}/` })))
}

const until = async (check: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('condition not met in time')
}

test('kill -9 during an install leaves nothing visible; the next run cleans up and succeeds', async () => {
  const stall = await stallingServer()
  try {
    const b = await box(`${stall.url}nodejs/`)
    const versionDir = join(b.toolCache, 'node', nodeVersion)
    const child = execa(process.execPath, [RUNNER_BIN, 'features', 'install', `nodejs@${nodeVersion}`], { env: b.env, reject: false })
    // Wait until extraction into the staging dir is under way, then kill the process hard.
    await until(async () => (await readdir(versionDir).catch(() => [])).some((n) => n.startsWith('.staging-')))
    child.kill('SIGKILL')
    await child
    const left = await readdir(versionDir)
    expect(left.some((n) => n.startsWith('.staging-'))).toBe(true)
    expect(left).not.toContain('x64.complete')
    expect(left).not.toContain('x64')
    expect(await lstat(join(b.binDir, 'node')).catch(() => null)).toBeNull()

    const again = await b.runner(['features', 'install', `nodejs@${nodeVersion}`], { env: { RUNNER_FEATURES_MIRROR_NODEJS: `${server.url}nodejs/` } })
    expect(again.exitCode, again.all).toBe(0)
    expect((await readdir(versionDir)).sort()).toEqual(['x64', 'x64.complete'])
    expect((await execa(join(b.binDir, 'node'), ['--version'])).stdout).toBe(`v${nodeVersion}`)
  } finally {
    stall.server.closeAllConnections()
    stall.server.close()
  }
})

test('two concurrent installs of one version download it once and both succeed', async () => {
  const b = await box()
  const [one, two] = await Promise.all([
    b.runner(['features', 'install', `nodejs@${nodeVersion}`, '--json']),
    b.runner(['features', 'install', `nodejs@${nodeVersion}`, '--json']),
  ])
  expect(one.exitCode, one.all).toBe(0)
  expect(two.exitCode, two.all).toBe(0)
  const statuses = [JSON.parse(one.stdout), JSON.parse(two.stdout)].map((r) => r.results[0].status).sort()
  expect(statuses).toEqual(['already-installed', 'installed'])
  expect(server.requests.filter((r) => r.path.endsWith('.tar.gz'))).toHaveLength(1)
  expect((await readdir(join(b.toolCache, 'node', nodeVersion))).sort()).toEqual(['x64', 'x64.complete'])
})

test('@actions/tool-cache find() returns our install (what actions/setup-node calls before downloading)', async () => {
  const b = await box()
  expect((await b.runner(['features', 'install', 'nodejs@20', 'terraform@1.5.0'])).exitCode).toBe(0)
  const saved = process.env.RUNNER_TOOL_CACHE
  process.env.RUNNER_TOOL_CACHE = b.toolCache
  try {
    const tc = await import('@actions/tool-cache')
    expect(tc.find('node', '20', 'x64')).toBe(join(b.toolCache, 'node', nodeVersion, 'x64'))
    expect(tc.find('node', nodeVersion, 'x64')).toBe(join(b.toolCache, 'node', nodeVersion, 'x64'))
    expect(tc.findAllVersions('node', 'x64')).toEqual([nodeVersion])
    expect(tc.find('terraform', '1.5', 'x64')).toBe(join(b.toolCache, 'terraform', '1.5.0', 'x64'))
    expect(tc.find('node', '18', 'x64')).toBe('')
  } finally {
    if (saved === undefined) delete process.env.RUNNER_TOOL_CACHE
    else process.env.RUNNER_TOOL_CACHE = saved
  }
})

test('a re-install from the download cache makes no archive request', async () => {
  const b = await box()
  expect((await b.runner(['features', 'install', 'terraform@1.5.0'])).exitCode).toBe(0)
  expect((await b.runner(['features', 'uninstall', 'terraform@1.5.0'])).exitCode).toBe(0)
  server.resetRequests()
  const res = await b.runner(['features', 'install', 'terraform@1.5.0', '--json'])
  expect(res.exitCode, res.all).toBe(0)
  expect(JSON.parse(res.stdout).results[0]).toMatchObject({ status: 'installed', fromCache: true })
  expect(server.requests.filter((r) => r.path.endsWith('.zip'))).toEqual([])
})
