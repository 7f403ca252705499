// images/windows checked as text (no Windows host, no pwsh here; see images/windows/README.md):
// Server Core base, every download verified against a required SHA-256 build arg, the hosted
// tool-cache path, and the entrypoint's order (features first, JIT config kept out of the install).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repo } from './helpers/env.js'

const dir = join(repo, 'images', 'windows')
const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8')
const entrypoint = readFileSync(join(dir, 'entrypoint.ps1'), 'utf8')
/** Dockerfile instructions with backtick continuations joined (escape=`). */
const instructions = dockerfile.replace(/`\r?\n/g, ' ').split('\n').filter((l) => l.trim() && !l.startsWith('#'))

describe('images/windows/Dockerfile', () => {
  it('builds FROM Windows Server Core with the backtick escape', () => {
    expect(dockerfile.startsWith('# escape=`')).toBe(true)
    expect(instructions.find((l) => l.startsWith('ARG WINDOWS_IMAGE='))).toContain('mcr.microsoft.com/windows/servercore:')
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual(['FROM ${WINDOWS_IMAGE}'])
  })

  it('downloads only through the verifying helper, each with a required checksum build arg (empty default)', () => {
    expect(dockerfile.match(/Invoke-WebRequest/g)).toHaveLength(1)
    expect(dockerfile).toMatch(/if \(-not \$Sha256\) \{ throw/)
    expect(dockerfile).toMatch(/Get-FileHash -Algorithm SHA256/)
    const fetches = instructions.filter((l) => l.includes('fetch-verified.ps1 ') && l.startsWith('RUN &'))
    expect(fetches).toHaveLength(3)
    for (const f of fetches) {
      const arg = /-Sha256 \$env:(\w+)/.exec(f)?.[1]
      expect(arg, f).toBeDefined()
      expect(instructions).toContain(`ARG ${arg}=""`)
    }
    expect(dockerfile).not.toMatch(/[0-9a-fA-F]{64}/)
  })

  it('sets the hosted Windows tool cache and puts the CLI shim on the machine PATH', () => {
    expect(dockerfile).toContain('RUNNER_TOOL_CACHE=C:\\hostedtoolcache\\windows')
    expect(dockerfile).toContain('AGENT_TOOLSDIRECTORY=C:\\hostedtoolcache\\windows')
    expect(dockerfile).toContain("'@\"C:\\runner-features\\node\\node.exe\" \"C:\\runner-features\\cli\\bin\\run.js\" %*'")
    expect(instructions.at(-1)).toContain('entrypoint.ps1')
  })
})

describe('images/windows/entrypoint.ps1', () => {
  it('installs features before starting run.cmd and stops with 70 when an install fails', () => {
    const install = entrypoint.indexOf('runner features install --')
    expect(install).toBeGreaterThan(0)
    expect(entrypoint.indexOf('run.cmd', install)).toBeGreaterThan(install)
    expect(entrypoint.match(/exit 70/g)).toHaveLength(2)
  })

  it('keeps the JIT config out of the install and out of every command line', () => {
    const removed = entrypoint.indexOf('Remove-Item Env:ACTIONS_RUNNER_INPUT_JITCONFIG')
    expect(removed).toBeGreaterThan(0)
    expect(removed).toBeLessThan(entrypoint.indexOf('runner features install'))
    expect(entrypoint).not.toMatch(/run\.cmd[^\n]*JITCONFIG|--jitconfig/)
  })
})
