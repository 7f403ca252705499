import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { configJsonSchema, findConfig, loadConfig, parseConfig } from './config.js'
import { RunnerError } from './errors.js'

const FILE = '.github/runner-config.yml'
const parse = (text: string) => parseConfig(text, `/repo/${FILE}`, FILE)

describe('valid configs', () => {
  test('features and tools: strings and objects, each with its line as source', () => {
    const c = parse(`# yaml-language-server: $schema=../docs/runner-config.schema.json
features:
  - nodejs@20
  - python
  - { id: aws-cli, options: { region: eu-west-1 } }
tools:
  - terraform@1.5.0
  - id: kubectl
    version: 1.28.0
cache:
  enabled: true
  path: /tmp/runner-cache
`)
    expect(c.entries.map((e) => [e.id, e.spec, e.source, e.section])).toEqual([
      ['nodejs', '20', `${FILE}:3`, 'features'],
      ['python', undefined, `${FILE}:4`, 'features'],
      ['aws-cli', undefined, `${FILE}:5`, 'features'],
      ['terraform', '1.5.0', `${FILE}:7`, 'tools'],
      ['kubectl', '1.28.0', `${FILE}:8`, 'tools'],
    ])
    expect(c.entries[2]!.options).toEqual({ region: 'eu-west-1' })
    expect(c.cache).toEqual({ enabled: true, path: '/tmp/runner-cache' })
  })

  test.each(['', '# nothing yet\n', 'features: []\n'])('an empty config (%j) installs nothing', (text) => {
    expect(parse(text).entries).toEqual([])
  })
})

test('limits: sizes and counts as written, with where they are for messages', () => {
  const c = parse('features: [nodejs@20]\nlimits:\n  maxExpandedSize: 16G\n  maxEntries: 500k\n  maxExpansionRatio: 200\n')
  expect(c.limits).toEqual({ maxExpandedSize: '16G', maxEntries: '500k', maxExpansionRatio: 200 })
  expect(c.limitsWhere).toBe(`${FILE}:3:3 limits`)
})

describe('every error says file:line:col, the key and a hint', () => {
  test.each([
    { name: 'unknown top-level key', text: 'features:\n  - nodejs@20\nfeatuers:\n  - terraform\n', where: `${FILE}:3:1`, message: 'featuers: unknown key "featuers"', hint: 'allowed here: features, tools, cache, limits' },
    { name: 'unknown key in an entry', text: 'features:\n  - id: nodejs\n    verison: "20"\n', where: `${FILE}:3:5`, message: 'features[0].verison: unknown key "verison"', hint: 'allowed here: id, version, options' },
    { name: 'unknown key under cache', text: 'cache:\n  enabled: true\n  size: 10\n', where: `${FILE}:3:3`, message: 'cache.size: unknown key "size"', hint: 'allowed here: enabled, path' },
    { name: 'a limit that is not a size', text: 'limits:\n  maxExpandedSize: lots\n', where: `${FILE}:2:20`, message: 'limits.maxExpandedSize: expected a size such as 16G', hint: 'runner features schema' },
    { name: 'unknown key under limits', text: 'limits:\n  maxSize: 1G\n', where: `${FILE}:2:3`, message: 'limits.maxSize: unknown key "maxSize"', hint: 'allowed here: maxExpandedSize, maxEntries, maxExpansionRatio' },
    { name: 'bad entry string', text: 'tools:\n  - terraform@1.5.0\n  - Terraform 1.5\n', where: `${FILE}:3:5`, message: 'tools[1]: not "<id>[@<version spec>]"', hint: 'lower-case letters' },
    { name: 'features is not a list', text: 'features: nodejs@20\n', where: `${FILE}:1:11`, message: 'features: expected array', hint: 'features and tools are lists' },
    { name: 'wrong type in cache', text: 'cache:\n  enabled: "yes"\n', where: `${FILE}:2:12`, message: 'cache.enabled: expected boolean', hint: 'runner features schema' },
    { name: 'object entry without id', text: 'features:\n  - version: "20"\n', where: `${FILE}:2:5`, message: 'features[0].id: expected string, but it is missing', hint: 'an entry is' },
    { name: 'entry that is a number', text: 'features:\n  - 20\n', where: `${FILE}:2:5`, message: 'features[0]: expected "<id>[@<spec>]" or {id, version, options}', hint: 'an entry is' },
    { name: 'unparseable version spec', text: 'features:\n  - nodejs@20\n  - { id: terraform, version: "banana" }\n', where: `${FILE}:3:31`, message: 'features[1]: "banana" is not a version', hint: 'use an exact version' },
    { name: 'a feature listed twice', text: 'features:\n  - nodejs@20\ntools:\n  - nodejs@20.11.1\n', where: `${FILE}:4:5`, message: 'tools[0]: nodejs is listed twice', hint: 'already listed at line 2' },
    { name: 'YAML syntax', text: 'features:\n  - nodejs@20\n - terraform\n', where: `${FILE}:3:1`, message: 'not valid YAML', hint: 'fix the YAML syntax' },
    { name: 'duplicate key', text: 'features: []\nfeatures: []\n', where: `${FILE}:2:1`, message: 'not valid YAML', hint: 'fix the YAML syntax' },
    { name: 'a list at the top', text: '- nodejs@20\n', where: `${FILE}:1:1`, message: 'the config must be a mapping', hint: 'runner features schema' },
  ])('$name', ({ text, where, message, hint }) => {
    let err: RunnerError | undefined
    try {
      parse(text)
    } catch (e) {
      err = e as RunnerError
    }
    expect(err?.code, String(err)).toBe('CONFIG_INVALID')
    expect(err!.where).toBe(where)
    expect(err!.message).toContain(message)
    expect(err!.hint).toContain(hint)
  })
})

test('the config is found by searching upward from the cwd; --config overrides; none is CONFIG_NOT_FOUND', async () => {
  const root = await mkdtemp(join(tmpdir(), 'rf-config-'))
  try {
    await mkdir(join(root, '.github'))
    await mkdir(join(root, 'a', 'b'), { recursive: true })
    await writeFile(join(root, FILE), 'features: [nodejs@20]\n')
    expect(await findConfig(join(root, 'a', 'b'))).toBe(join(root, FILE))
    const c = await loadConfig(root)
    expect(c.display).toBe(FILE)
    expect(c.entries[0]!.source).toBe(`${FILE}:1`)
    await writeFile(join(root, 'other.yml'), 'tools: [terraform@1.5.0]\n')
    expect((await loadConfig(join(root, 'a'), '../other.yml')).entries[0]!.id).toBe('terraform')
    const outside = await mkdtemp(join(tmpdir(), 'rf-noconfig-'))
    await expect(loadConfig(outside)).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' })
    await rm(outside, { recursive: true })
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})

test('docs/runner-config.schema.json is the JSON Schema generated from the zod schema (update: vitest -u)', async () => {
  const generated = configJsonSchema() as { properties: Record<string, unknown>; additionalProperties: unknown }
  await expect(`${JSON.stringify(generated, null, 2)}\n`).toMatchFileSnapshot('../../../docs/runner-config.schema.json')
  expect(Object.keys(generated.properties)).toEqual(['features', 'tools', 'cache', 'limits', 'trustedKeys', 'mirrors', 'mirrorsOnly'])
  expect(generated.additionalProperties).toBe(false)
})

describe('mirrors: and mirrorsOnly:', () => {
  test('rules keep file order, name their line, and a directory resolves against the config\'s folder', () => {
    const cfg = parse('features: [nodejs]\nmirrorsOnly: true\nmirrors:\n  "https://nodejs.org/dist/": http://m.example/node/\n  "https://github.com/": ../mirror/github/\n')
    expect(cfg.mirrorsOnly).toBe(true)
    expect(cfg.mirrors).toEqual([
      { prefix: 'https://nodejs.org/dist/', replacement: 'http://m.example/node/', where: `${FILE}:4:31` },
      { prefix: 'https://github.com/', replacement: 'file:///repo/mirror/github/', where: `${FILE}:5:26` },
    ])
  })

  test('a bad rule is INVALID_MIRROR at its line', () => {
    expect(() => parse('mirrors:\n  "https://nodejs.org/dist/": ftp://m.example/node/\n')).toThrow(expect.objectContaining({ code: 'INVALID_MIRROR', where: `${FILE}:2:31` }))
  })
})
