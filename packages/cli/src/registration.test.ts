import { readdirSync, readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

// renovate's rule: the list of plugin folders equals the registry, so registration cannot rot.
test('every plugin folder is bundled with the CLI and nothing else is', () => {
  const root = new URL('../../../', import.meta.url)
  const folders = readdirSync(new URL('plugins/', root)).map((d) => JSON.parse(readFileSync(new URL(`plugins/${d}/package.json`, root), 'utf8')).name as string)
  const cli = JSON.parse(readFileSync(new URL('packages/cli/package.json', root), 'utf8'))
  const bundled = (cli.oclif.plugins as string[]).filter((p) => p.startsWith('@runner-features/'))
  expect(bundled.sort()).toEqual(folders.sort())
  for (const name of bundled) expect(cli.dependencies[name]).toBe('workspace:*')
})
