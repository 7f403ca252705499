import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { FeatureHttp } from '../http.js'
import { recordingLogger } from '../testing/loopback-server.js'

// `python3 -m http.server` is the HTTP/1.0 mirror of the issue: it closes the connection after
// every body. The Node 24 fetch client crashed on it about one fresh install in six.
let dir: string
let python: ChildProcess
let url: string
const FILE = randomBytes(6 * 1024 * 1024 + 333)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'python-mirror-'))
  await writeFile(join(dir, 'tool.tar.gz'), FILE)
  python = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], { stdio: ['ignore', 'pipe', 'ignore'] })
  url = await new Promise<string>((resolve, reject) => {
    let out = ''
    python.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const port = /port (\d+)/.exec(out)?.[1]
      if (port) resolve(`http://127.0.0.1:${port}/`)
    })
    python.once('exit', (code) => reject(new Error(`python3 http.server exited ${code}`)))
  })
})
afterAll(async () => {
  python?.kill()
  await rm(dir, { recursive: true, force: true })
})

test('20 downloads of a 6 MB file from python3 -m http.server arrive intact, read with backpressure', async () => {
  const expected = createHash('sha256').update(FILE).digest('hex')
  const http = new FeatureHttp({ upstream: 'https://tool.example/', mirror: url, logger: recordingLogger(), env: {}, retries: 0 })
  for (let i = 0; i < 20; i++) {
    const { body, size } = await http.open('https://tool.example/tool.tar.gz')
    expect(size).toBe(FILE.length)
    const hash = createHash('sha256')
    let chunks = 0
    for await (const chunk of body) {
      hash.update(chunk as Buffer)
      if (++chunks % 8 === 0) await sleep(1)
    }
    expect(hash.digest('hex')).toBe(expected)
  }
})
