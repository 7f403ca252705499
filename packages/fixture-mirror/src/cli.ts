/**
 * `node packages/fixture-mirror/dist/cli.js serve-demo [--port N]`: builds the demo mirror, serves
 * it on 127.0.0.1 and prints one JSON line `{"url", "nodejs", "hashicorp", "powershell"}` on stdout once
 * ready.
 * Runs until SIGTERM or SIGINT. Progress and errors go to stderr.
 */
import { parseArgs } from 'node:util'
import { serveDemo } from './demo.js'

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { port: { type: 'string' } } })
  if (positionals[0] !== 'serve-demo' || positionals.length !== 1) {
    throw new Error(`usage: fixture-mirror serve-demo [--port N] (got: ${argv.join(' ') || 'no arguments'})`)
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: not a port number`)
  process.stderr.write('fixture-mirror: building the demo mirror (cached after the first run)\n')
  const { server, urls } = await serveDemo({ port })
  process.stdout.write(`${JSON.stringify(urls)}\n`)
  const stop = () => {
    server.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fixture-mirror: ${(err as Error).message}\n`)
  process.exit(1)
})
