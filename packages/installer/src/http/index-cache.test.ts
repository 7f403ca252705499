import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunnerError } from '@runner-features/core'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { FeatureHttp } from '../http.js'
import { loopback, recordingLogger, type Loopback } from '../testing/loopback-server.js'

let cacheDir: string
let server: Loopback
/** What the mirror serves, by path; change it between runs to play "the mirror was fixed". */
let files: Record<string, string>

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'index-cache-'))
  files = {}
  server = await loopback((req, res) => {
    const body = files[req.url ?? '']
    if (body === undefined) return void res.writeHead(404).end()
    res.end(body)
  })
})
afterEach(async () => {
  await server.close()
  await rm(cacheDir, { recursive: true, force: true })
})

/** One run of the tool: a fresh client on the same cache, as a new process would have. */
function run(mirror = server.url) {
  return new FeatureHttp({ upstream: 'https://tool.example/', mirror, logger: recordingLogger(), env: {}, cacheDir, indexTtlMs: 600_000, retries: 0 })
}

const schema = {
  safeParse(value: unknown) {
    const ok = typeof value === 'object' && value !== null && Array.isArray((value as { versions?: unknown }).versions)
    return ok ? { success: true as const, data: value as { versions: string[] } } : { success: false as const, error: { message: 'versions: expected array' } }
  },
}

async function cacheFiles(): Promise<string[]> {
  const dir = join(cacheDir, 'index')
  const names = await readdir(dir).catch(() => [])
  return Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))
}

test('json: cached once it parsed and matched its schema; the next run makes no request', async () => {
  files['/index.json'] = '{"versions":["1.0.0"]}'
  expect(await run().json('https://tool.example/index.json', schema)).toEqual({ versions: ['1.0.0'] })
  expect(await run().json('https://tool.example/index.json', schema)).toEqual({ versions: ['1.0.0'] })
  expect(server.requests).toHaveLength(1)
})

test.each([
  ['an HTML error page', '<html><body>502 Bad Gateway</body></html>', 'not JSON'],
  ['an empty body', '', 'not JSON'],
  ['JSON of the wrong shape', '{"releases":[]}', 'expected shape'],
])('json: %s is never cached, so the run after the mirror is fixed succeeds', async (_name, bad, message) => {
  files['/index.json'] = bad
  await expect(run().json('https://tool.example/index.json', schema)).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT', message: expect.stringContaining(message) })
  expect(await cacheFiles()).toEqual([])
  files['/index.json'] = '{"versions":["1.0.0"]}'
  expect(await run().json('https://tool.example/index.json', schema)).toEqual({ versions: ['1.0.0'] })
  expect(server.requests).toHaveLength(2)
})

test('text: held until the caller commits; a run that fails (discard) leaves nothing cached', async () => {
  files['/SHASUMS256.txt'] = '<!DOCTYPE html><title>Login</title>'
  const failed = run()
  await failed.text('https://tool.example/SHASUMS256.txt')
  await failed.discardIndexCache()
  await failed.commitIndexCache()
  expect(await cacheFiles()).toEqual([])

  files['/SHASUMS256.txt'] = `${'a'.repeat(64)}  tool.tar.gz\n`
  const good = run()
  expect(await good.text('https://tool.example/SHASUMS256.txt')).toContain('tool.tar.gz')
  expect(await cacheFiles()).toEqual([])
  await good.commitIndexCache()
  expect(await cacheFiles()).toHaveLength(1)
  expect(await run().text('https://tool.example/SHASUMS256.txt')).toContain('tool.tar.gz')
  expect(server.requests).toHaveLength(2)
})

test('text with validate: cached when it passes, never when it throws', async () => {
  const needLine = (text: string) => {
    if (!/tool\.tar\.gz/.test(text)) throw new RunnerError('CHECKSUM_MISSING', 'no line for tool.tar.gz')
  }
  files['/SHASUMS256.txt'] = `${'b'.repeat(64)}  other.tar.gz\n`
  await expect(run().text('https://tool.example/SHASUMS256.txt', { validate: needLine })).rejects.toMatchObject({ code: 'CHECKSUM_MISSING' })
  expect(await cacheFiles()).toEqual([])
  files['/SHASUMS256.txt'] = `${'a'.repeat(64)}  tool.tar.gz\n`
  await run().text('https://tool.example/SHASUMS256.txt', { validate: needLine })
  expect(await cacheFiles()).toHaveLength(1)
})

test('a failure after cached index data was used: the hint names --refresh and the entry is dropped', async () => {
  files['/SHASUMS256.txt'] = `${'a'.repeat(64)}  tool.tar.gz\n`
  const first = run()
  await first.text('https://tool.example/SHASUMS256.txt')
  await first.commitIndexCache()

  const second = run()
  await second.text('https://tool.example/SHASUMS256.txt')
  expect(server.requests).toHaveLength(1)
  const failure = new RunnerError('CHECKSUM_MISMATCH', 'sha256 differs', { hint: 'the file was altered' })
  const reported = (await second.withIndexCacheHint(failure)) as RunnerError
  expect(reported.hint).toMatch(/^the file was altered; .*cached index data.*--refresh/)
  expect(reported.hint).toContain(`${server.url}SHASUMS256.txt`)
  expect(await cacheFiles()).toEqual([])
  await run().text('https://tool.example/SHASUMS256.txt')
  expect(server.requests).toHaveLength(2)
})

test('a cached index that no longer passes validation is dropped and its error names --refresh', async () => {
  files['/index.json'] = '{"versions":["1.0.0"]}'
  await run().json('https://tool.example/index.json', schema)
  const strict = { safeParse: () => ({ success: false as const, error: { message: 'new plugin wants more' } }) }
  await expect(run().json('https://tool.example/index.json', strict)).rejects.toMatchObject({ code: 'UPSTREAM_FORMAT', hint: expect.stringContaining('--refresh') })
  expect(await cacheFiles()).toEqual([])
})

test('mirror credentials never reach the cache: the key and the stored url are redacted', async () => {
  files['/index.json'] = '{"versions":["1.0.0"]}'
  const mirror = server.url.replace('http://', 'http://ci-bot:s3cr%40t%2Fpw@')
  await run(mirror).json('https://tool.example/index.json', schema)
  expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ci-bot:s3cr@t/pw').toString('base64')}`)
  const [entry] = await cacheFiles()
  expect(entry).not.toMatch(/s3cr|ci-bot/)
  expect(JSON.parse(entry!).url).toBe(`${server.url.replace('http://', 'http://***@')}index.json`)
  // the same URL with the credentials is served from that entry
  await run(mirror).json('https://tool.example/index.json', schema)
  expect(server.requests).toHaveLength(1)
})

test('an unreadable cache entry is ignored and replaced', async () => {
  files['/index.json'] = '{"versions":["1.0.0"]}'
  await run().json('https://tool.example/index.json', schema)
  const [name] = await readdir(join(cacheDir, 'index'))
  await writeFile(join(cacheDir, 'index', name!), '{"url": tru')
  expect(await run().json('https://tool.example/index.json', schema)).toEqual({ versions: ['1.0.0'] })
  expect(server.requests).toHaveLength(2)
})

test('an entry committed once resolution worked is still dropped when the same run fails later', async () => {
  files['/SHASUMS256.txt'] = `${'c'.repeat(64)}  tool.tar.gz\n` // parses, but the sha256 is stale
  const http = run()
  await http.text('https://tool.example/SHASUMS256.txt')
  await http.commitIndexCache()
  expect(await cacheFiles()).toHaveLength(1)
  const mismatch = new RunnerError('CHECKSUM_MISMATCH', 'sha256 differs')
  expect(await http.withIndexCacheHint(mismatch)).toBe(mismatch)
  expect(await cacheFiles()).toEqual([])
})

test('entries an older version wrote with credentials in clear are deleted on the first write', async () => {
  await mkdir(join(cacheDir, 'index'), { recursive: true })
  const legacy = join(cacheDir, 'index', 'legacy.json')
  await writeFile(legacy, JSON.stringify({ url: 'https://ci:hunter2@mirror.example/index.json', fetchedAt: Date.now(), body: '{}' }))
  const clean = join(cacheDir, 'index', 'clean.json')
  await writeFile(clean, JSON.stringify({ url: 'https://mirror.example/other.json', fetchedAt: Date.now(), body: '{}' }))
  files['/index.json'] = '{"versions":["1.0.0"]}'
  await run().json('https://tool.example/index.json', schema)
  const left = await cacheFiles()
  expect(left.join('\n')).not.toContain('hunter2')
  expect(left).toHaveLength(2)
  expect(await readFile(clean, 'utf8')).toContain('other.json')
})
