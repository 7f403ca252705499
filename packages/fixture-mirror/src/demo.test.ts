import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveDemo, type DemoUrls } from './demo.js'
import type { MirrorServer } from './server.js'

let server: MirrorServer
let urls: DemoUrls

beforeAll(async () => {
  ;({ server, urls } = await serveDemo())
})

afterAll(async () => {
  await server.close()
})

describe('serveDemo', () => {
  it('serves each demo feature\'s plugin fixture under <id>/ (hashicorp/ kept as the terraform alias)', async () => {
    expect(urls).toEqual({ url: server.url, nodejs: `${server.url}nodejs/`, terraform: `${server.url}terraform/`, powershell: `${server.url}powershell/`, hashicorp: `${server.url}hashicorp/` })
    expect((await fetch(`${urls.powershell}api/releases`)).status).toBe(200)
    expect(await (await fetch(`${urls.terraform}terraform/index.json`)).text()).toBe(await (await fetch(`${urls.hashicorp}terraform/index.json`)).text())
    expect((await fetch(`${urls.powershell}releases/download/v7.5.2/hashes.sha256`)).status).toBe(200)
  })

  it('a client can resolve and verify terraform 1.5.0 the way the product will', async () => {
    const index = (await (await fetch(`${urls.hashicorp}terraform/index.json`)).json()) as {
      versions: Record<string, { shasums: string; builds: Array<{ os: string; arch: string; filename: string; url: string }> }>
    }
    const release = index.versions['1.5.0']!
    const build = release.builds.find((b) => b.os === 'linux' && b.arch === 'amd64')!
    const rebased = build.url.replace('https://releases.hashicorp.com/', urls.hashicorp)
    const zip = Buffer.from(await (await fetch(rebased)).arrayBuffer())
    const sums = await (await fetch(`${urls.hashicorp}terraform/1.5.0/${release.shasums}`)).text()
    expect(sums).toContain(`${createHash('sha256').update(zip).digest('hex')}  ${build.filename}\n`)
  })

  it('a client can resolve node 20 and find its checksum', async () => {
    const index = (await (await fetch(`${urls.nodejs}index.json`)).json()) as Array<{ version: string; files: string[] }>
    const v20 = index.find((e) => e.version.startsWith('v20.') && e.files.includes('linux-x64'))!
    const sums = await (await fetch(`${urls.nodejs}${v20.version}/SHASUMS256.txt`)).text()
    const name = `node-${v20.version}-linux-x64.tar.gz`
    const head = await fetch(`${urls.nodejs}${v20.version}/${name}`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(sums).toMatch(new RegExp(`^[0-9a-f]{64}  ${name.replace(/\./g, '\\.')}$`, 'm'))
    expect(server.requests.map((r) => r.status)).not.toContain(404)
  })
})
