import { Args, Flags } from '@oclif/core'
import { RunnerCommand, configFlag, mirrorFlag, refreshFlag } from '../../base-command.js'
import { resolve } from 'node:path'
import type { InstallReport, OpenedBundle } from '@runner-features/engine'
import type { BundlePluginReport } from '../../ops/bundle-plugins.js'
import { runInstall } from '../../ops/install-run.js'
import { createRuntime } from '../../runtime.js'

export default class FeaturesInstall extends RunnerCommand {
  static summary = 'Install features (tools) into the Actions tool cache and link their executables.'
  static description = `With no arguments, installs what .github/runner-config.yml asks for (searched upward; --config overrides), from runner-features.lock when it matches the config; otherwise the config is resolved and the lock (re)written. --frozen installs exactly the lock and fails (LOCKFILE_OUTDATED, LOCKFILE_MISSING_PLATFORM) rather than re-resolve. Dependencies install first; independent features install in parallel (--jobs).
Each argument is <id>[@<spec>]; naming a feature more than once (nodejs@18 nodejs@20) installs each version into its own tool-cache dir, one after another, and links the one named last. Specs: an exact version (20.11.1), a prefix (20, 20.11 — 20 never matches 2.x or 200.x), a semver range (^20.5, ~1.5, ">=1.4 <1.6"), latest, lts, lts/<codename>, lts/-1. A bare id installs the plugin's default.
Installs land in <RUNNER_TOOL_CACHE>/<tool>/<version>/<arch> with the <arch>.complete marker that actions/setup-* look for; executables are linked into the bin dir. Every download is checked against the upstream's sha256; an install is staged, smoke-tested and renamed into place, so nothing half-installed is ever visible. Re-running an install of an installed version makes no network request.`

  static examples = [
    '<%= config.bin %> features install nodejs@20 terraform@1.5.0',
    '<%= config.bin %> features install --frozen',
    '<%= config.bin %> features install nodejs@lts/iron --dry-run',
    '<%= config.bin %> features install terraform@~1.5 --mirror terraform=https://artifacts.example.com/hashicorp/',
  ]

  static strict = false
  static args = { features: Args.string({ description: 'features to install: <id>[@<version spec>]', required: false }) }

  static flags = {
    'dry-run': Flags.boolean({ description: 'Resolve versions and artifacts (URL, sha256) and print the plan without downloading.', default: false }),
    mirror: mirrorFlag,
    'bin-dir': Flags.string({ description: 'Where to link executables. Env: RUNNER_FEATURES_BIN_DIR. Default /usr/local/bin as root, else ~/.local/bin.' }),
    link: Flags.boolean({ description: 'Link executables into the bin dir.', default: true, allowNo: true }),
    jobs: Flags.integer({ description: 'Features installed in parallel (default: CPU count).', min: 1 }),
    refresh: refreshFlag,
    config: configFlag,
    offline: Flags.boolean({ description: 'Open no network connection: use the download cache, cached indexes, the lock and file:// or directory mirrors only (OFFLINE_UNAVAILABLE names what is missing). Env: RUNNER_FEATURES_OFFLINE=1.', default: false }),
    from: Flags.string({ description: 'Install the locked set from a bundle written by `runner features vendor` (implies --frozen and --offline; the bundle must match the lock and hold this platform). Third-party plugins the bundle carries are installed first when missing, verified against the lock\'s npm integrity and allowed by the plugin policy; --json lists them under bundle.plugins (status installed, already-installed, or would-install on --dry-run).' }),
    frozen: Flags.boolean({ description: 'Install exactly what runner-features.lock pins; fail if it is missing, outdated or lacks this platform. Never writes the lock.', default: false }),
    'insecure-skip-signatures': Flags.boolean({ description: 'Do not verify upstream signatures of checksum files (warns on every install; checksums stay mandatory). Env: RUNNER_FEATURES_SKIP_SIGNATURES=1.', default: false }),
  }

  async run(): Promise<InstallReport & { bundle?: { file: string; plugins: BundlePluginReport[] } }> {
    const { argv, flags } = await this.parse(FeaturesInstall)
    // Every HTTP client (features, plugin tarballs) reads the switch from the environment.
    if (flags.offline) process.env.RUNNER_FEATURES_OFFLINE = '1'
    const bundle: OpenedBundle | undefined = flags.from
      ? await (await import('@runner-features/engine')).openBundle(createRuntime(flags), { cwd: process.cwd(), config: flags.config, bundle: resolve(flags.from) })
      : undefined
    if (bundle) {
      // The bundle's files are a directory mirror for this run, ahead of any other rule; no network.
      process.env.RUNNER_FEATURES_MIRRORS = [bundle.rewrites, process.env.RUNNER_FEATURES_MIRRORS].filter(Boolean).join(',')
      process.env.RUNNER_FEATURES_OFFLINE = '1'
    }
    // The engine reads the switch from the run's environment, where the env var sets it too.
    const env = flags['insecure-skip-signatures'] ? { ...process.env, RUNNER_FEATURES_SKIP_SIGNATURES: '1' } : process.env
    try {
      // Plugins the bundle carries for features this machine lacks, before any feature (--dry-run only lists them).
      const ops = bundle ? await import('../../ops/bundle-plugins.js') : undefined
      const plugins = bundle && ops
        ? await ops.installBundledPlugins(createRuntime(flags, env), bundle.plugins, { logger: this.logger, configFile: flags.config ? resolve(flags.config) : undefined, dryRun: flags['dry-run'] })
        : []
      const report = await runInstall(createRuntime(flags, env), {
        specs: argv as string[], mirror: flags.mirror, dryRun: flags['dry-run'], link: flags.link, jobs: flags.jobs, refresh: flags.refresh,
        config: flags.config, frozen: flags.frozen || bundle !== undefined, json: this.jsonEnabled(), logger: this.logger,
      }).catch((err: unknown) => {
        throw ops ? ops.withBundledPluginHint(err, plugins) : err
      })
      // Additive: the usual report, plus what came from the bundle besides the features.
      return flags.from ? { ...report, bundle: { file: resolve(flags.from), plugins } } : report
    } finally {
      await bundle?.cleanup()
    }
  }
}
