// The light entry for the CLI's oclif-free paths: core only (no installer, no config parser).
export { tryNoopInstall } from './noop.js'
export { REPORT_HINT, internalError, normaliseError } from './normalise.js'
export type { ConfigInstallReport, InstallReport, InstallReportItem, ReportArtifact } from './report.js'
export type { RunEnv } from './run-env.js'
