// The files `runner features new` writes for a github-release plugin. Pure: text in, text out.

/** What every template needs to know about the plugin being written. */
export interface NewFeatureSpec {
  id: string
  /** npm package name (`@runner-features/<id>` in the monorepo, `@acme/runner-feature-<id>`, …). */
  name: string
  /** `owner/name` of the GitHub repository whose releases hold the tool. */
  repo: string
  /** `monorepo`: under plugins/ of this repository (workspace kit, the repo's vitest config); `standalone`: kit from npm. */
  mode: 'monorepo' | 'standalone'
  /** Published kit version range for standalone plugins (`^0.1.0`). */
  kitRange: string
  vitestRange: string
}

/** The version the generated fixture releases and the tests install. */
export const FIXTURE_VERSION = '1.0.0'
/** Upstream arch words of the default asset template (GoReleaser's: amd64, arm64). */
const UPSTREAM_ARCHES = ['amd64', 'arm64'] as const

/** GoReleaser's default names, the most common shape of a GitHub-release tool; edit them to the upstream's. */
export const assetTemplate = (id: string) => `${id}_{version}_{os}_{arch}.tar.gz`
export const checksumsTemplate = (id: string) => `${id}_{version}_checksums.txt`

/** JSON on one line with spaces (`{ "os": "linux", … }`), so the declaration stays one field a line. */
const inline = (value: unknown) => JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ')

/** The `runner.feature` block: the whole declaration of the tool. */
export function featureBlock(s: NewFeatureSpec): Record<string, unknown> {
  return {
    id: s.id,
    description: `${s.id} (${s.repo}) from its GitHub releases`,
    toolName: s.id,
    defaultVersion: 'latest',
    upstream: `https://github.com/${s.repo}/`,
    platforms: [{ os: 'linux', arch: ['x64', 'arm64'], libc: ['glibc', 'musl'] }],
    bins: [s.id],
    smokeTest: { command: [s.id, '--version'], expect: '{{version}}' },
    source: { type: 'github-release', repo: s.repo, tag: 'v{version}', asset: assetTemplate(s.id), arch: { x64: 'amd64' }, checksums: { asset: checksumsTemplate(s.id) } },
  }
}

export function packageJson(s: NewFeatureSpec): string {
  const monorepo = s.mode === 'monorepo'
  const folder = `plugins/${s.id}/`
  const build = monorepo ? 'node ../../scripts/plugin-manifest.mjs' : `node -e "const p=require('./package.json');require('fs').writeFileSync('oclif.manifest.json',JSON.stringify({commands:{},version:p.version},null,2))"`
  const scripts = { build, test: monorepo ? `${build} && cd ../.. && vitest run ${folder}` : 'npm run build && vitest run' }
  const devDependencies = monorepo ? { '@runner-features/kit': 'workspace:*' } : { '@runner-features/kit': s.kitRange, vitest: s.vitestRange }
  const feature = Object.entries(featureBlock(s)).map(([k, v]) => `      ${JSON.stringify(k)}: ${inline(v)}`).join(',\n')
  const head = {
    name: s.name,
    version: '0.1.0',
    description: `runner-features plugin: ${s.id} from the ${s.repo} GitHub releases (declared github-release source, no code).`,
    type: 'module',
    license: 'MIT',
    keywords: ['oclif-plugin', 'runner-features', 'runner-feature'],
    files: ['oclif.manifest.json', 'README.md', 'CHANGELOG.md'],
  }
  const top = (o: object) => Object.entries(o).map(([k, v]) => `  ${JSON.stringify(k)}: ${inline(v)}`).join(',\n')
  return `{\n${top(head)},\n${top({ scripts })},\n  "oclif": {},\n  "runner": {\n    "feature": {\n${feature}\n    }\n  },\n${top({ devDependencies })}\n}\n`
}

export function readme(s: NewFeatureSpec, matrix: string): string {
  const test = s.mode === 'monorepo' ? `pnpm install          # once: links the kit and registers the plugin with the CLI (generated files only)\npnpm --filter ${s.name} test   # build + unit, contract and end-to-end tests` : 'npm install\nnpm test             # build + unit, contract and end-to-end tests (RUNNER_FEATURES_CLI=<runner>/bin/run.js for the e2e test)'
  return `# ${s.name}

Installs \`${s.id}\` from the [${s.repo}](https://github.com/${s.repo}/releases) GitHub releases. The
plugin is data only: package.json declares a \`github-release\` source and runner-features does the
rest (list, download, verify the sha256, extract, smoke-test, install atomically).

\`\`\`sh
runner features install ${s.id}           # newest release
runner features install ${s.id}@1.0       # newest 1.0.x
\`\`\`

| | |
|---|---|
| Tool-cache name | \`${s.id}\` → \`$RUNNER_TOOL_CACHE/${s.id}/<version>/<arch>/${s.id}\` (+ \`<arch>.complete\`) |
| Versions | \`https://api.github.com/repos/${s.repo}/releases?per_page=100&page=N\` (tags \`v<V>\`; \`GITHUB_TOKEN\` sent when set) |
| Artifact | \`https://github.com/${s.repo}/releases/download/v<V>/${assetTemplate(s.id).replace('{version}', '<V>').replace('{os}', 'linux').replace('{arch}', '<amd64\\|arm64>')}\` |
| Checksum | \`…/v<V>/${checksumsTemplate(s.id).replace('{version}', '<V>')}\` (a sha256sum listing; mandatory) |
| Smoke test | \`${s.id} --version\` prints \`<V>\` |

The asset and checksum names are GoReleaser's defaults; check them against a real release and edit
\`runner.feature.source\` (and this table) if the upstream names them otherwise.

## Platforms

${matrix}

## Mirror

\`RUNNER_FEATURES_MIRROR_${s.id.toUpperCase().replaceAll('-', '_')}=<base>\` or \`--mirror ${s.id}=<base>\`, where \`<base>\` serves the
github-release layout: \`<base>api/releases\` (the API's JSON list of releases; a static file is
enough) and \`<base>releases/download/v<V>/<asset>\` for the archives and the checksum file.
\`fixtures/mirror.ts\` builds that layout; any static server serves it (\`python3 -m http.server\`).

## Develop

\`\`\`sh
${test}
\`\`\`
`
}

export const changelog = (s: NewFeatureSpec) => `# ${s.name}\n\n## 0.1.0\n\n- First release: ${s.id} from the ${s.repo} GitHub releases, declared as a \`github-release\` source (no code).\n`

/** GitHub's list-releases response shape, one release, the fields the source reads plus names and URLs. */
export function releasesJson(s: NewFeatureSpec): string {
  const tag = `v${FIXTURE_VERSION}`
  const names = [...UPSTREAM_ARCHES.map((a) => assetTemplate(s.id).replace('{version}', FIXTURE_VERSION).replace('{os}', 'linux').replace('{arch}', a)), checksumsTemplate(s.id).replace('{version}', FIXTURE_VERSION)]
  const release = {
    html_url: `https://github.com/${s.repo}/releases/tag/${tag}`,
    tag_name: tag,
    name: tag,
    draft: false,
    prerelease: false,
    published_at: '2025-01-01T00:00:00Z',
    assets: names.map((n) => ({ name: n, browser_download_url: `https://github.com/${s.repo}/releases/download/${tag}/${n}` })),
  }
  return `${JSON.stringify([release], null, 2)}\n`
}

export const fixturesReadme = (s: NewFeatureSpec) => `# Fixtures

- \`releases.json\` — GitHub's REST "list releases" response for ${s.repo}
  (\`https://api.github.com/repos/${s.repo}/releases?per_page=100\`), in the API's shape with the
  fields the \`github-release\` source reads (\`tag_name\`, \`draft\`, \`prerelease\`) plus names and URLs.
  **Written by \`runner features new\`; replace it with a trimmed real response** and say here where
  it came from, e.g.
  \`curl -s 'https://api.github.com/repos/${s.repo}/releases?per_page=100' | jq '[.[:2][] | {html_url, tag_name, name, draft, prerelease, published_at, assets: [.assets[] | select(.name | test("linux|checksums")) | {name, browser_download_url}]}]'\`.
- \`mirror.ts\` — \`mirror()\` builds the github-release mirror layout the end-to-end test serves:
  \`api/releases\` (the listing above) and \`releases/download/v${FIXTURE_VERSION}/\` with **stand-in**
  archives (a shell script named \`${s.id}\` printing its version) and a checksum file computed from
  them. Serve it with any static server (\`python3 -m http.server\`) and point
  \`RUNNER_FEATURES_MIRROR_${s.id.toUpperCase().replaceAll('-', '_')}\` at it.
`

export function mirrorTs(s: NewFeatureSpec): string {
  return `// The upstream fixture of ${s.id}: the github-release mirror layout its tests serve (see README.md).
// The one interface every plugin fixture offers: \`mirror(options)\` → { root, versions }.
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256Hex, writeGithubReleaseMirror } from '@runner-features/kit/testing'

export const VERSION = '${FIXTURE_VERSION}'

/** What the stand-in binary prints for \`${s.id} --version\` (the smoke test expects the version in it). */
export const versionLine = (version: string) => \`${s.id} \${version}\`

/** A tarball like the upstream's: the binary \`${s.id}\` at the top (a shell script standing in for it). */
async function standInTarball(arch: string, work: string): Promise<Buffer> {
  const dir = join(work, arch)
  await mkdir(dir)
  await writeFile(join(dir, '${s.id}'), \`#!/bin/sh\\necho '\${versionLine(VERSION)}'\\n\`, { mode: 0o755 })
  execFileSync('tar', ['-czf', join(work, \`\${arch}.tar.gz\`), '-C', dir, '${s.id}'])
  return readFile(join(work, \`\${arch}.tar.gz\`))
}

/** Writes the layout into \`options.dir\` (default: a new temp dir) and returns it. */
export async function mirror(options: { dir?: string } = {}): Promise<{ root: string; versions: string[] }> {
  const root = options.dir ?? (await mkdtemp(join(tmpdir(), '${s.id}-mirror-')))
  const work = await mkdtemp(join(tmpdir(), '${s.id}-build-'))
  const assets: Record<string, string | Buffer> = {}
  const sums: string[] = []
  for (const arch of ${JSON.stringify(UPSTREAM_ARCHES)}) {
    const name = \`${s.id}_\${VERSION}_linux_\${arch}.tar.gz\`
    const bytes = await standInTarball(arch, work)
    assets[name] = bytes
    sums.push(\`\${sha256Hex(bytes)}  \${name}\`)
  }
  assets[\`${s.id}_\${VERSION}_checksums.txt\`] = \`\${sums.join('\\n')}\\n\`
  const listing: unknown = JSON.parse(await readFile(new URL('./releases.json', import.meta.url), 'utf8'))
  await writeGithubReleaseMirror(root, [{ tag: \`v\${VERSION}\`, assets }], listing)
  await rm(work, { recursive: true, force: true })
  return { root, versions: [VERSION] }
}
`
}

export function unitTest(s: NewFeatureSpec): string {
  const dl = `https://github.com/${s.repo}/releases/download/v${FIXTURE_VERSION}/`
  return `import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { defineFeature } from '@runner-features/kit'
import { artifactProblems, fakeContext, pluginProblems } from '@runner-features/kit/testing'
import pkg from '../package.json' with { type: 'json' }

// ${s.id} is data only: this is the feature runner-features builds from package.json.
const feature = defineFeature(pkg)
const API = 'https://api.github.com/repos/${s.repo}/releases?per_page=100&page=1'
const DL = '${dl}'
const listing = readFileSync(new URL('../fixtures/releases.json', import.meta.url), 'utf8')
const sums = \`\${'a'.repeat(64)}  ${s.id}_${FIXTURE_VERSION}_linux_amd64.tar.gz\\n\${'b'.repeat(64)}  ${s.id}_${FIXTURE_VERSION}_linux_arm64.tar.gz\\n\`

test('keeps the plugin contract (manifest, README matrix, CHANGELOG, fixtures README)', () => {
  expect(pluginProblems(new URL('../', import.meta.url), feature)).toEqual([])
})

test('versions come from the releases listing', async () => {
  const versions = await feature.listVersions(fakeContext({ [API]: listing }))
  expect(versions.map((v) => v.version)).toEqual(['${FIXTURE_VERSION}'])
})

test.each([
  ['x64', 'amd64', 'a'],
  ['arm64', 'arm64', 'b'],
] as const)('linux-%s: the %s tarball, its sha256 from the checksum file', async (arch, word, hash) => {
  const ctx = fakeContext({ [\`\${DL}${s.id}_${FIXTURE_VERSION}_checksums.txt\`]: sums }, { arch })
  const artifact = await feature.artifact!({ version: '${FIXTURE_VERSION}' }, { os: 'linux', arch, libc: 'glibc' }, ctx)
  expect(artifact).toMatchObject({ url: \`\${DL}${s.id}_${FIXTURE_VERSION}_linux_\${word}.tar.gz\`, sha256: hash.repeat(64), archive: 'tar.gz' })
  expect(artifactProblems(feature, artifact)).toEqual([])
})
`
}

export function e2eTest(s: NewFeatureSpec): string {
  return `import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { mirrorHarness } from '@runner-features/kit/testing'
import { mirror, VERSION, versionLine } from '../fixtures/mirror.ts'

// The \`runner\` CLI (this monorepo's build, or RUNNER_FEATURES_CLI) installs ${s.id} from a
// 127.0.0.1 mirror in the github-release layout (fixtures/mirror.ts), with this folder installed
// as a plugin first (under a plugin policy naming it): the same path a user takes.
const e2e = mirrorHarness({ feature: '${s.id}', mirror: (dir) => mirror({ dir }), plugin: new URL('../', import.meta.url) })
beforeAll(e2e.start)
afterEach(e2e.reset)
afterAll(e2e.close)

test('runner features install ${s.id} from the mirror: listing, checksum file, tarball, smoke test', async () => {
  const res = await e2e.box.run(['features', 'install', '${s.id}'])
  expect(res.exitCode, res.all).toBe(0)
  expect(execFileSync(join(e2e.box.binDir, '${s.id}'), ['--version'], { encoding: 'utf8' })).toBe(\`\${versionLine(VERSION)}\\n\`)
  expect([...e2e.server.requests].sort()).toEqual([
    'GET /api/releases 200',
    \`GET /releases/download/v\${VERSION}/${s.id}_\${VERSION}_checksums.txt 200\`,
    \`GET /releases/download/v\${VERSION}/${s.id}_\${VERSION}_linux_amd64.tar.gz 200\`,
  ])
})
`
}
